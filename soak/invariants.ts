// The invariants of issue 22, checked after every step of the soak (docs/soak.md, "The invariants").
// A violation throws: the loop prints it with the seed and the command that replays it.
import { diffTrees, snapshotTree, tableFingerprints } from '../test/harness/index.js';
import { HOST, SEED, note, type Result, type SoakState, type World } from './world.js';

export class Violation extends Error {}

/** Stops the soak: the invariant, the night, the step, and the command that replays it. */
export function violation(state: SoakState, what: string): never {
  throw new Violation(`INVARIANT VIOLATED at night ${state.night}, step ${state.step}: ${what}\n` + `replay: scripts/soak --nights ${state.night} --seed ${SEED}`);
}

/** The first lines pullback printed, for a progress line. */
export const firstLines = (r: Result) => `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => l.trim()).slice(0, 3).join(' | ').slice(0, 400);
/** Everything a violation shows of a command. */
export const show = (r: Result) => `exit ${r.exitCode}${r.killed ? ` (${r.killed})` : ''}\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-3000)}`;

/** Invariants 2 and 3 after every step; `pruneAllowed` when the step was an exit-0 night or prune. */
export async function invariants(world: World, state: SoakState, pruneAllowed: boolean, context?: Result): Promise<void> {
  // Invariant 3: nothing an OK night archived is lost, except by retention after a night without failures.
  const listed = await world.listArchives();
  if (listed !== undefined) {
    state.checks++;
    const gone = [...state.okArchives].filter((a) => !listed.includes(a));
    // Archives a rolled-back repository lost are the fault's, not pullback's (status must be red meanwhile, below); flipped bytes lose none until a repair.
    if (gone.length > 0 && !pruneAllowed && state.damage !== 'rolled-back')
      violation(state, `archive(s) of OK nights lost in a step that failed or was no retention run: ${gone.join(', ')} (listed now: ${listed.join(', ')})${context ? `\n${show(context)}` : ''}`);
    for (const a of gone) {
      if (state.damage === 'rolled-back' && !pruneAllowed) note(`  ${a} gone with the injected damage (${state.damage})`);
      state.okArchives.delete(a);
    }
    state.known = listed;
  }
  // Invariant 2: never green while injected damage is unresolved, or before anything was archived.
  const s = await world.cli(['status', '--host', HOST, '--json']);
  state.checks++;
  let light = 'unknown';
  try {
    const doc = JSON.parse(s.stdout) as { hosts: Array<{ host: string; status: string }> };
    light = doc.hosts.find((h) => h.host === HOST)?.status ?? 'missing';
  } catch {
    if (s.exitCode === 0) violation(state, `status exited 0 without a readable verdict\n${show(s)}`);
  }
  if (state.damage !== 'none' && (light === 'green' || s.exitCode === 0)) violation(state, `status is ${light} (exit ${s.exitCode}) while the repository has unresolved damage (${state.damage}) that no repair fixed`);
  if (state.okNights === 0 && light === 'green') violation(state, 'status is green before any night succeeded');
  if (state.restoreInterrupted && light === 'green') violation(state, 'status is green although a restore was killed after it changed the target and no restore finished since');
}

/** Invariant 1: an OK restore leaves the files identical to the origin at the archive's time. */
export function sameAsArchive(world: World, state: SoakState, archive: string): void {
  const want = state.archiveOrigin.get(archive);
  if (!want) return;
  state.checks++;
  const diffs = [...diffTrees(want.blobs, snapshotTree(world.blobs)).map((d) => `blobs: ${d}`), ...diffTrees(want.data, snapshotTree(world.data)).map((d) => `data: ${d}`)];
  if (diffs.length > 0) violation(state, `restore of ${archive} exited 0 but the files differ from the origin at that archive's time:\n${diffs.slice(0, 20).join('\n')}`);
}

/** Invariant 1: an OK restore leaves every table's rows as they were at the archive's time. */
export async function sameRows(world: World, state: SoakState, archive: string): Promise<void> {
  const want = state.archiveOrigin.get(archive);
  if (!want) return;
  state.checks++;
  const got = await tableFingerprints('postgres', world.db);
  const a = JSON.stringify(want.rows);
  const b = JSON.stringify(got);
  if (a !== b) violation(state, `restore of ${archive} exited 0 but the database differs from its rows at that archive's time:\nwant ${a}\ngot  ${b}`);
}
