// The operator's actions after a night (docs/soak.md, "Operator actions"): repairs of injected
// damage, restores (some killed), drills, checks, prunes and status, each followed by the invariants.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { psql } from '../test/harness/index.js';
import { invariants, sameAsArchive, sameRows, firstLines, show, violation } from './invariants.js';
import { HOST, int, note, pick, random, type SoakState, type World } from './world.js';

/** Restore twice as likely, as it is what invariant 1 is about. */
export const ACTIONS = ['restore', 'restore', 'restore-killed', 'drill', 'check', 'prune', 'status'] as const;

/** The newest archive whose origin the soak knows (a night that exited 0). */
const restorable = (state: SoakState) => [...state.known].reverse().find((a) => state.archiveOrigin.has(a));

/** Repairs the injected damage the way pullback says to; a repair that exits 0 resolves it. */
async function repair(world: World, state: SoakState): Promise<void> {
  const kind = state.damage;
  state.step = `operator repair (${kind})`;
  state.count(state.actions, `repair-${kind}`);
  let fixed = false;
  if (kind === 'rolled-back') {
    const a = await world.cli(['repo', 'accept-rollback', '--host', HOST, '--yes']);
    note(`  repo accept-rollback: exit ${a.exitCode}: ${firstLines(a)}`);
    fixed = a.exitCode === 0;
  }
  if (!fixed) {
    const c = await world.cli(['check', '--host', HOST, '--repair', '--yes']);
    note(`  check --repair: exit ${c.exitCode}: ${firstLines(c)}`);
    fixed = c.exitCode === 0;
  }
  if (fixed) {
    state.damage = 'none';
    // What the damage destroyed is acknowledged by the repair: forget archives no longer listed.
    const now = await world.listArchives();
    if (now) for (const a of [...state.okArchives]) if (!now.includes(a)) { note(`  ${a} lost to the injected damage (repair acknowledged)`); state.okArchives.delete(a); }
  }
  await invariants(world, state, false);
}

/** After a night: when damage is known, the operator repairs it sometimes; otherwise sometimes one action. */
export async function operatorTurn(world: World, state: SoakState, fault: string): Promise<void> {
  if (state.damage !== 'none' && random() < 0.6) return repair(world, state);
  if (random() >= 0.6) return;
  const action = pick(ACTIONS);
  state.count(state.actions, action);
  state.step = `operator ${action} (fault ${fault})`;
  if (action === 'restore') {
    const archive = restorable(state);
    if (archive) {
      const x = await world.cli(['restore', '--host', HOST, '--archive', archive, '--yes']);
      note(`  restore ${archive}: exit ${x.exitCode}`);
      if (x.exitCode === 0) {
        state.restoreInterrupted = false;
        sameAsArchive(world, state, archive);
        await sameRows(world, state, archive);
      }
    }
  } else if (action === 'restore-killed') {
    const archive = restorable(state);
    if (archive) {
      // Work done after the night, so a restore that got far enough visibly changes the target.
      writeFileSync(join(world.data, `late-${state.night}.txt`), 'written after the night\n');
      await psql(world.db, `INSERT INTO items VALUES ((SELECT max(id) + 1 FROM items), 'late ${state.night}');`);
      const was = await world.origin();
      const x = await world.cli(['restore', '--host', HOST, '--archive', archive, '--yes'], { signal: 'SIGKILL', afterMs: 200 + int(2500) });
      await world.settle();
      const now = await world.origin();
      const changed = JSON.stringify(was) !== JSON.stringify(now);
      if (x.killed && changed) state.restoreInterrupted = true;
      if (!x.killed && x.exitCode === 0) {
        state.restoreInterrupted = false;
        sameAsArchive(world, state, archive);
        await sameRows(world, state, archive);
      }
      note(`  restore ${archive} killed: ${x.killed ? `killed (SIGKILL), the target ${changed ? 'changed' : 'unchanged'}` : `finished first, exit ${x.exitCode}`}`);
    }
  } else if (action === 'check') {
    const x = await world.cli(['check', '--host', HOST]);
    note(`  check: exit ${x.exitCode}`);
    state.checks++;
    if (state.damage !== 'none' && x.exitCode === 0) violation(state, `check exited 0 while the repository has unresolved damage (${state.damage})\n${show(x)}`);
  } else if (action === 'drill') {
    const x = await world.cli(['drill', '--host', HOST]);
    note(`  drill: exit ${x.exitCode}`);
  } else if (action === 'prune') {
    const x = await world.cli(['prune', '--host', HOST]);
    note(`  prune: exit ${x.exitCode}`);
    return invariants(world, state, x.exitCode === 0);
  } else {
    const x = await world.cli(['status', '--host', HOST]);
    note(`  status: exit ${x.exitCode}: ${x.stdout.split('\n').slice(0, 2).join(' | ')}`);
  }
  await invariants(world, state, false);
}
