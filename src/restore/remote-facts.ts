// Facts about the target gathered over SSH for the readiness checklist: each folder's target a real
// directory (no symlink on its way), free space per filesystem (the restored bytes of every path on
// it summed) and whether each target path is writable.
import { posix } from 'node:path';
import { describeError } from '../errors.js';
import { toolErrorFrom } from '../exec/run.js';
import { selfAndParents } from './paths.js';
import { requiredFreeBytes, type RestorePlan } from './plan.js';
import type { RootFact, SpaceFact, WritableFact } from './readiness-verdict.js';
import type { SshSession } from '../tools/ssh/client.js';
import {
  gateLinkedRoot, isGateRefusal, remoteFreeBytes, remoteIsWritable, remotePathExists, remotePlace, remoteRootLook, remoteRun, remoteStat, type RemotePlace,
} from '../tools/ssh/remote.js';
import type { TargetRootLook } from './target-root.js';

/** Where dumps are copied on the target before they are restored (disk-backed, unlike a tmpfs /tmp). */
export const REMOTE_TEMP_PARENT = '/var/tmp';

/** Answers per session: readiness asks about the same paths for space and for writability. */
const seen = new WeakMap<SshSession, Map<string, Promise<RemotePlace>>>();

/**
 * `path` if it exists on the target, else its nearest existing parent, with its filesystem, free
 * space and writability: one remote command (memoized per session: use before changes only).
 */
export function placeOf(session: SshSession, path: string): Promise<RemotePlace> {
  let memo = seen.get(session);
  if (!memo) seen.set(session, (memo = new Map()));
  let answer = memo.get(path);
  if (!answer) {
    answer = place(session, path);
    memo.set(path, answer);
  }
  return answer;
}

/** Sessions whose key runs pullback-gate, which allows no shell: their places are asked fact by fact. */
const gated = new WeakSet<SshSession>();

async function place(session: SshSession, path: string): Promise<RemotePlace> {
  if (!gated.has(session)) {
    try {
      return await remotePlace(session, selfAndParents(path));
    } catch (e) {
      if (!isGateRefusal(e)) throw e;
      gated.add(session);
    }
  }
  return placeFactByFact(session, path);
}

/** The same facts one command each, as the gate allows them: test -e up the parents, stat, df, test -w. */
async function placeFactByFact(session: SshSession, path: string): Promise<RemotePlace> {
  let checked = '/';
  for (const p of selfAndParents(path)) {
    if (await remotePathExists(session, p)) {
      checked = p;
      break;
    }
  }
  const [device, free, writable] = await Promise.all([
    remoteRun(session, ['stat', '-c', '%d', '--', checked], `cannot stat ${checked}`, { quiet: true, timeoutMs: 60_000 }).then(
      (r) => ({ device: (r.stdout ?? '').trim() }),
      (e: unknown) => ({ deviceError: describeError(e) }),
    ),
    remoteFreeBytes(session, checked).then(
      (freeBytes) => ({ freeBytes }),
      (e: unknown) => ({ freeError: describeError(e) }),
    ),
    remoteIsWritable(session, checked),
  ]);
  return { checked, ...device, ...free, writable };
}

/** Whether the session's key runs pullback-gate (learnt from a refused shell; false until then). */
export function isGated(session: SshSession): boolean {
  return gated.has(session);
}

/**
 * `path` on the target looked at without following it or any of its parents (never memoized: the
 * executor asks again right before it pushes). Throws ToolError when it cannot be looked at.
 */
export async function lookAtTargetRoot(session: SshSession, path: string): Promise<TargetRootLook> {
  if (!gated.has(session)) {
    try {
      return await remoteRootLook(session, selfAndParents(path));
    } catch (e) {
      if (!isGateRefusal(e)) throw e;
      gated.add(session);
    }
  }
  // pullback-gate refuses any question about a root that is (or lies below) a symlink, naming where
  // it leads; a root it answers about has none on its way.
  const r = await session.exec(['test', '-L', path], { quiet: true, timeoutMs: 60_000 });
  const linked = r.exitCode === 126 ? gateLinkedRoot(r.stderrTail) : undefined;
  if (linked) return { kind: 'symlink', at: linked.root, to: linked.to, byGate: true };
  if (r.exitCode === 0) return { kind: 'symlink', at: path, byGate: true };
  if (r.exitCode !== 1) throw toolErrorFrom(r, `cannot look at ${path}`);
  const st = await remoteStat(session, path);
  return st === null ? { kind: 'missing' } : st.type === 'directory' ? { kind: 'directory' } : { kind: 'other' };
}

/** The target folder of every files step of `plan`, looked at without following symlinks; never throws. */
export async function rootFacts(session: SshSession, plan: RestorePlan): Promise<RootFact[]> {
  const steps = plan.steps.filter((s) => s.mode === 'files');
  return Promise.all(
    steps.map(async (s): Promise<RootFact> => {
      const where = `${plan.target.name}:${s.targetPath}`;
      try {
        return { source: s.source, path: s.targetPath, where, look: await lookAtTargetRoot(session, s.targetPath) };
      } catch (e) {
        return { source: s.source, path: s.targetPath, where, error: describeError(e) };
      }
    }),
  );
}

/** The target paths of `roots` that must not be asked about (followed) further: symlinks, or not looked at. */
export function unsafeRoots(roots: readonly RootFact[]): Set<string> {
  return new Set(roots.filter((r) => r.look === undefined || r.look.kind === 'symlink').map((r) => r.path));
}

/** The paths a plan writes on the target with the bytes each receives (files steps onto `skip` left out). */
export function plannedWrites(plan: RestorePlan, skip: ReadonlySet<string> = new Set()): Array<{ path: string; bytes: number }> {
  const out: Array<{ path: string; bytes: number }> = [];
  for (const s of plan.steps) {
    if (s.mode === 'files' && !skip.has(s.targetPath)) out.push({ path: s.targetPath, bytes: s.bytes });
    if (s.globals) out.push({ path: REMOTE_TEMP_PARENT, bytes: s.globals.dump.size });
    for (const db of s.databases) {
      out.push({ path: REMOTE_TEMP_PARENT, bytes: db.dump.size });
      if (db.engine === 'sqlite') out.push({ path: posix.dirname(db.database), bytes: db.dump.size });
    }
  }
  return out;
}

/** Free space per target filesystem against the bytes restored onto it plus margin and minimum. */
export async function spaceFacts(session: SshSession, plan: RestorePlan, margin: number, minFree: number, skip?: ReadonlySet<string>): Promise<SpaceFact[]> {
  // Each path's filesystem asked at once (the session runs a few channels at a time), grouped in plan order.
  const writes = plannedWrites(plan, skip);
  const where = await Promise.all(
    writes.map(async (w): Promise<{ at: string; key: string; place?: RemotePlace; error?: string }> => {
      try {
        const place = await placeOf(session, w.path);
        if (place.device === undefined) return { at: place.checked, key: `error:${w.path}`, error: place.deviceError };
        return { at: place.checked, key: place.device, place };
      } catch (e) {
        return { at: w.path, key: `error:${w.path}`, error: describeError(e) };
      }
    }),
  );
  const groups = new Map<string, { at: string; paths: string[]; bytes: number; place?: RemotePlace; error?: string }>();
  for (const [i, w] of writes.entries()) {
    const { at, key, place, error } = where[i]!;
    if (error !== undefined) {
      groups.set(key, { at, paths: [w.path], bytes: w.bytes, error });
      continue;
    }
    const g = groups.get(key) ?? { at, paths: [], bytes: 0, place };
    if (!g.paths.includes(w.path)) g.paths.push(w.path);
    g.bytes += w.bytes;
    groups.set(key, g);
  }
  return [...groups.values()].map((g): SpaceFact => {
    const fs = `${plan.target.name}:${g.at} (filesystem of ${g.paths.join(', ')})`;
    const neededBytes = requiredFreeBytes(g.bytes, margin, minFree);
    if (g.place?.freeBytes === undefined) return { where: fs, neededBytes, error: g.error ?? g.place?.freeError };
    return { where: fs, neededBytes, freeBytes: g.place.freeBytes };
  });
}

/** Whether each written path (or its nearest existing parent) is writable by the login user (`skip`: target folders not to follow). */
export async function writableFacts(session: SshSession, plan: RestorePlan, skip?: ReadonlySet<string>): Promise<WritableFact[]> {
  const paths = [...new Set(plannedWrites(plan, skip).map((w) => w.path))];
  return Promise.all(
    paths.map(async (path): Promise<WritableFact> => {
      try {
        const place = await placeOf(session, path);
        return { path, checked: place.checked, writable: place.writable };
      } catch (e) {
        return { path, checked: path, error: describeError(e) };
      }
    }),
  );
}
