// After a check found damage: which files of the host's archives can no longer be read. borg's check
// names segments and chunk ids, never files; a read-back of the archives (borg extract --dry-run,
// tools/borg/read-back.ts) names them. Bounded so a large repository's failed night still ends: the
// newest DAMAGE_SEARCH.archives nightly archives (what a restore would choose first), at most
// DAMAGE_SEARCH.filesPerArchive files each, and DAMAGE_SEARCH.minutes in all.
import type { DamageScan } from '../catalog/check-damage.js';
import { nightlyGlob } from '../tools/borg/flags.js';
import { listArchives } from '../tools/borg/list.js';
import { readBackArchive } from '../tools/borg/read-back.js';
import type { BorgContext } from '../tools/borg/run.js';

export const DAMAGE_SEARCH = { archives: 3, filesPerArchive: 20, minutes: 10 } as const;

/** Reads back the host's newest archives and names the unreadable files; never throws (a search that could not run says why). */
export async function searchDamage(
  borg: BorgContext,
  repo: string,
  host: string,
  bounds: { archives: number; filesPerArchive: number; minutes: number } = DAMAGE_SEARCH,
  snapshots: ReadonlyArray<{ archive: string; restoreId: number }> = [],
): Promise<DamageScan> {
  let names: string[];
  let ways: Array<{ archive: string; restoreId: number }> = [];
  try {
    names = (await listArchives(borg, repo, nightlyGlob(host))).map((a) => a.name).reverse();
    if (snapshots.length > 0) {
      const listed = new Set((await listArchives(borg, repo)).map((a) => a.name));
      ways = snapshots.filter((s) => listed.has(s.archive));
    }
  } catch (e) {
    return { archives: [], complete: false, note: `the archives could not be listed to search them: ${(e as Error).message}` };
  }
  const deadline = Date.now() + bounds.minutes * 60_000;
  const archives: DamageScan['archives'] = [];
  for (const name of names.slice(0, bounds.archives)) {
    if (borg.signal?.aborted) break;
    const r = await readBackArchive(borg, repo, name, { maxFiles: bounds.filesPerArchive, deadline });
    archives.push({ name, damaged: r.damaged, complete: r.complete, ...(r.error ? { error: r.error } : {}) });
  }
  const left = names.length - archives.length;
  for (const way of ways) {
    if (borg.signal?.aborted) break;
    const r = await readBackArchive(borg, repo, way.archive, { maxFiles: bounds.filesPerArchive, deadline });
    archives.push({ name: way.archive, damaged: r.damaged, complete: r.complete, ...(r.error ? { error: r.error } : {}), snapshotOf: way.restoreId });
  }
  const complete = archives.every((a) => a.complete) && left === 0;
  const notes = [
    ...(left > 0 ? [`${left} older archive(s) not read back (the search reads the newest ${bounds.archives})`] : []),
    ...archives.filter((a) => !a.complete).map((a) => `${a.name}: ${a.error ?? 'not read to its end'}`),
  ];
  return { archives, complete, ...(notes.length ? { note: notes.join('; ') } : {}) };
}

/** The damaged files as lines for people: one per archive that has any, then the search's limits. */
export function describeDamage(scan: DamageScan): string[] {
  const way = (a: DamageScan['archives'][number]) => (a.snapshotOf !== undefined ? ` (the safety snapshot of interrupted restore ${a.snapshotOf}: its rollback needs all of it)` : '');
  const out = scan.archives.filter((a) => a.damaged.length > 0).map((a) => `${a.name}${way(a)}: ${a.damaged.length} unreadable file(s): ${a.damaged.join(', ')}`);
  // A snapshot that did not read back at all (its metadata damaged) is named too: a repair may drop it or what it holds.
  out.push(...scan.archives.filter((a) => a.snapshotOf !== undefined && a.damaged.length === 0 && !a.complete).map((a) => `${a.name}${way(a)}: does not read back${a.error ? `: ${a.error}` : ''}`));
  if (out.length === 0 && scan.archives.length > 0) out.push(`no unreadable file found in ${scan.archives.map((a) => a.name).join(', ')}`);
  if (scan.note) out.push(`search incomplete: ${scan.note}`);
  return out;
}
