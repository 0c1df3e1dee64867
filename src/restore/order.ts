// The dependency order of a restore: every database source, then blobs, then data. Within one
// kind the order of the archive's manifest (which is the host file's order) is kept.
import type { SourceKind } from '../config/types.js';

export const KIND_RANK: Record<SourceKind, number> = { database: 0, blobs: 1, data: 2 };

/** `items` sorted by kind rank, stable within a kind; unknown kinds are refused by the planner. */
export function restoreOrder<T extends { kind: SourceKind }>(items: readonly T[]): T[] {
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => KIND_RANK[a.item.kind] - KIND_RANK[b.item.kind] || a.index - b.index)
    .map((x) => x.item);
}

/** Which sources `--only` selects: each word is a source name or a kind (`db` is short for database). */
export function selectOnly<T extends { name: string; kind: SourceKind }>(
  items: readonly T[],
  only: readonly string[] | undefined,
): { selected: T[]; unknown: string[] } {
  if (!only || only.length === 0) return { selected: [...items], unknown: [] };
  const words = only.map((w) => w.trim()).filter((w) => w !== '');
  const unknown: string[] = [];
  const wanted = new Set<T>();
  for (const w of words) {
    const byName = items.filter((i) => i.name === w);
    const kind = w === 'db' ? 'database' : w;
    const matches = byName.length > 0 ? byName : items.filter((i) => i.kind === kind);
    if (matches.length === 0) unknown.push(w);
    matches.forEach((m) => wanted.add(m));
  }
  return { selected: items.filter((i) => wanted.has(i)), unknown };
}

/** How many folder sources of one kind are pushed at once (each an rsync over the shared connection). */
export const WAVE_WIDTH = 3;

/** Whether one path is the other or lies under it (their pushes could delete each other's files). */
export function nested(a: string, b: string): boolean {
  const dir = (p: string) => (p.endsWith('/') ? p : `${p}/`);
  return dir(a).startsWith(dir(b)) || dir(b).startsWith(dir(a));
}

/**
 * The ordered steps of a restore cut into waves run one after the other; a wave's steps run at once.
 * A wave holds folder pushes of one kind only (the dependency order stays: database, then blobs,
 * then data) onto paths apart from each other's (a push with --delete onto a folder inside another
 * push's would race it), at most WAVE_WIDTH; a database step is a wave of its own, as before.
 */
export function restoreWaves<T extends { kind: SourceKind; mode: 'databases' | 'files'; targetPath: string }>(steps: readonly T[]): T[][] {
  const waves: T[][] = [];
  for (const step of steps) {
    const last = waves.at(-1);
    const joins =
      last !== undefined &&
      step.mode === 'files' &&
      last.length < WAVE_WIDTH &&
      last.every((s) => s.mode === 'files' && s.kind === step.kind && !nested(s.targetPath, step.targetPath));
    if (joins) last.push(step);
    else waves.push([step]);
  }
  return waves;
}

/**
 * Whether `step`'s target path lies apart from every other step's: its restored tree is final once
 * its own push ended, so it can be checked while the next sources are pushed (a folder inside
 * another source's, or holding one, is changed by that one's push too, and is checked after all).
 */
export function apartFromOthers<T extends { targetPath: string }>(steps: readonly T[], step: T): boolean {
  return steps.every((s) => s === step || !nested(s.targetPath, step.targetPath));
}
