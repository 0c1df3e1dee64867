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
