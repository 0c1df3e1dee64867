// Where a granular restore's paths are on the target, looked at without following anything: each
// selected path's state (there, or missing up to which folder) and where it is pushed from (the
// outermost missing folder on its way, or the path itself), or why it is refused (a symlink on its
// way, a file where a folder is needed). Looked at by the readiness checklist, again by the safety
// snapshot and again right before the push.
import { posix } from 'node:path';
import type { SshSession } from '../tools/ssh/client.js';
import type { PlannedStep } from './plan.js';
import { lookAtTargetRoot } from './remote-facts.js';
import { parentsOf } from './selection.js';

export interface ItemLook {
  rel: string;
  /** Whether the selected path exists on the target now (anything but a symlink on its way). */
  present: boolean;
  /** The outermost path (relative to the source folder) the push writes: the path itself, or the outermost missing folder above it. */
  top: string;
  /** Why the path cannot be restored (nothing is changed then). */
  refusal?: string;
}

/** The target folder (relative to the source folder; '' is the folder itself) a top is pushed into. */
export function rootOf(top: string): string {
  const d = posix.dirname(top);
  return d === '.' ? '' : d;
}

/** `targetPath` joined with a path relative to it ('' is targetPath itself). */
export function under(targetPath: string, rel: string): string {
  return rel === '' ? targetPath : `${targetPath}/${rel}`;
}

/**
 * Looks at each selected path of `step` on the target; `typeOf` gives the archived type of a path
 * ('d' folder) when known. Throws ToolError when the target cannot be looked at.
 */
export async function lookAtSelection(session: SshSession, step: PlannedStep, typeOf: (rel: string) => string | undefined): Promise<ItemLook[]> {
  const items = step.selection?.items ?? [];
  const out: ItemLook[] = [];
  for (const item of items) {
    const rel = item.rel;
    const full = under(step.targetPath, rel);
    const look = await lookAtTargetRoot(session, full);
    const shown = JSON.stringify(full);
    if (look.kind === 'symlink') {
      const to = look.to ? ` to ${JSON.stringify(look.to)}` : '';
      if (look.at !== full) {
        out.push({ rel, present: false, top: rel, refusal: `${JSON.stringify(look.at)}, on the way to ${shown}, is a symlink${to}: pullback does not restore through a symlink` });
      } else if (typeOf(rel) === 'd') {
        out.push({ rel, present: true, top: rel, refusal: `${shown} is a symlink${to} on the target and a folder in the archive: pullback does not restore through a symlink (remove the link first)` });
      } else out.push({ rel, present: true, top: rel });
      continue;
    }
    if (look.kind !== 'missing') {
      out.push({ rel, present: true, top: rel });
      continue;
    }
    // Missing: the nearest folder above it that exists; what lies between is created from the archive.
    let top = rel;
    let refusal: string | undefined;
    for (const p of parentsOf(rel).reverse()) {
      const above = await lookAtTargetRoot(session, under(step.targetPath, p));
      if (above.kind === 'directory') break;
      if (above.kind === 'other') {
        refusal = `${JSON.stringify(under(step.targetPath, p))} is a file on the target where the archive has a folder (on the way to ${shown}): move it away first`;
        break;
      }
      top = p;
    }
    out.push({ rel, present: false, top, ...(refusal ? { refusal } : {}) });
  }
  return out;
}

/** The refusals among `looks`, each naming its source. */
export function selectionRefusals(source: string, looks: readonly ItemLook[]): string[] {
  return looks.flatMap((l) => (l.refusal ? [`${source}/${l.rel}: ${l.refusal}`] : []));
}

/**
 * A source's exclude patterns as seen from a folder inside it (`root`, relative): rsync anchors a
 * leading-slash pattern at the transfer's root, which is that folder now. Anchored patterns below
 * it lose its part; those elsewhere cannot match and are left out; the others are kept as they are.
 */
export function rebaseExcludes(patterns: readonly string[], root: string): string[] {
  if (root === '') return [...patterns];
  const out: string[] = [];
  for (const p of patterns) {
    if (!p.startsWith('/')) out.push(p);
    else if (p.startsWith(`/${root}/`)) out.push(p.slice(root.length + 1));
  }
  return out;
}
