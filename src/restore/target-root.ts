// The target folder of a files step must be a real directory: rsync follows a destination root
// that is a symlink (or lies below one), so a data folder replaced by `data -> /etc` would make a
// restore replace /etc, deletions included. Looked at (never followed) by the readiness checklist,
// again right before each push, and a push through an unrestricted key refuses it in the same
// remote command (tools/rsync/args.ts, guardedRsyncPath); pullback-gate refuses it on its own.
import { shellCommand } from '../tools/ssh/quote.js';

/** What is at a target path, not followed: `symlink` when it or one of its parents is one. */
export type TargetRootLook =
  | { kind: 'directory' }
  | { kind: 'missing' }
  | { kind: 'other' }
  /** `at`: the symlink (the path or a parent); `to`: where it points, when known; `byGate`: told by pullback-gate's refusal. */
  | { kind: 'symlink'; at: string; to?: string; byGate?: boolean };

/** Why pullback does not restore onto `path` as it is now, with what the operator can do; undefined when it may. */
export function rootRefusal(path: string, look: TargetRootLook): string | undefined {
  if (look.kind === 'other') return `${path} exists and is not a directory: pullback restores a folder only onto a folder; move it away or restore --into DIR`;
  if (look.kind !== 'symlink') return undefined;
  const to = look.to !== undefined && look.to !== '' ? ` to ${look.to}` : '';
  if (look.byGate) {
    return `${look.at} is a symlink or lies below one${to ? ` (it leads${to} now)` : ''}, and the restricted restore key's pullback-gate refused it: pullback does not restore through a symlink; put the real directory back at ${look.at} or restore --into DIR`;
  }
  if (look.at === path) {
    return `${path} is a symlink${to}: pullback does not restore through a symlink; remove it (${shellCommand(['rm', path])}; ${shellCommand(['mkdir', path])}) or restore --into DIR`;
  }
  return `${look.at}, above ${path}, is a symlink${to}: pullback does not restore through a symlink; put the real directory back at ${look.at}, or set the source's path in the host file to where it really is, or restore --into DIR`;
}
