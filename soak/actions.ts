// The operator's actions after a night (docs/soak.md, "Operator actions"): repairs of injected
// damage, rollbacks of killed restores, restores (some killed), drills, checks, prunes and status,
// each followed by the invariants. Also `command`, how every pullback command of the soak is run.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { psql, queryCatalog } from '../test/harness/index.js';
import { filesDiffer, firstLines, gist, invariants, mark, named, reason, rowsDiffer, sameAsArchive, show, violation } from './invariants.js';
import { HOST, int, mariaInsert, note, pick, random, unsupported, type CliOptions, type Kill, type Result, type SoakState, type World } from './world.js';

/** Restore twice as likely, as it is what invariant 1 is about. */
export const ACTIONS = ['restore', 'restore', 'restore-killed', 'drill', 'check', 'prune', 'status'] as const;

/**
 * Runs one pullback command and checks invariant 4 on it (`what` names it: run, check, prune, drill,
 * restore...). A command the pullback under test does not know is counted and reported unsupported.
 */
export async function command(world: World, state: SoakState, what: string, args: string[], opts: CliOptions = {}): Promise<Result & { unsupported?: boolean }> {
  const m = mark(world);
  const r = await world.cli(args, opts);
  if (unsupported(r)) {
    state.count(state.unsupported, args.slice(0, 2).filter((a) => !a.startsWith('-')).join(' ') + (args.includes('--repair') ? ' --repair' : ''));
    note(`  pullback ${args.join(' ')}: not known to the pullback under test (exit 2), skipped`);
    return { ...r, unsupported: true };
  }
  if (r.timedOut) violation(state, `pullback ${args.join(' ')} did not end within ${((opts.timeoutMs ?? 300_000) / 1000).toFixed(0)} s (hung)\n${show(r)}`);
  named(world, state, what, r, m);
  return r;
}

/**
 * No false alarm: a restore is not refused for a damaged repository (with `check --repair`, which
 * zero-fills what it cannot read, as the next step) while the soak injected no damage it has not seen
 * repaired.
 */
function noFalseDamage(state: SoakState, x: Result): void {
  state.checks++;
  if (x.exitCode !== 0 && state.damage === 'none' && /the repository is damaged/.test(x.stdout))
    violation(state, `the restore was refused for a damaged repository, but no damage was injected (or it was repaired): ${gist(x)}\n${show(x)}`);
}

/** The newest archive whose origin the soak knows (a night that exited 0). */
export const restorable = (state: SoakState) => [...state.known].reverse().find((a) => state.archiveOrigin.has(a));

/** Repairs the injected damage the way pullback says to; a repair that exits 0 resolves it. */
async function repair(world: World, state: SoakState): Promise<void> {
  const kind = state.damage;
  state.step = `operator repair (${kind})`;
  state.count(state.actions, `repair-${kind}`);
  let fixed = false;
  if (kind === 'rolled-back') {
    const a = await command(world, state, 'accept-rollback', ['repo', 'accept-rollback', '--host', HOST, '--yes']);
    if (!a.unsupported) note(`  repo accept-rollback: exit ${a.exitCode}${a.exitCode === 0 ? `: ${firstLines(a)}` : `:${reason(a)}`}`);
    fixed = a.exitCode === 0;
    // A cut segment is not always a clean rollback: after borg compact moved older chunks into the
    // newest segment, cutting it loses committed chunks too (seed 202, night 20: blob-night-17.bin
    // unreadable, "nothing to accept"). The accepted state is proven by a check; a failed one needs
    // the repair below, as pullback's own messages say.
    if (fixed) {
      const c = await command(world, state, 'check', ['check', '--host', HOST]);
      if (!c.unsupported) note(`  check after the accepted rollback: exit ${c.exitCode}${c.exitCode === 0 ? `: ${firstLines(c)}` : `:${reason(c)}`}`);
      fixed = c.unsupported || c.exitCode === 0;
    }
  }
  if (!fixed) {
    const c = await command(world, state, 'check --repair', ['check', '--host', HOST, '--repair', '--yes']);
    if (!c.unsupported) note(`  check --repair: exit ${c.exitCode}${c.exitCode === 0 ? `: ${firstLines(c)}` : `:${reason(c)}`}`);
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

/** A rollback that failed this many times in a row, its snapshot there and no damage injected since, is a violation. */
const ROLLBACK_FAILURES = 2;

/**
 * Rolls back the newest killed restore not resolved yet; an OK rollback leaves the target as it was
 * just before that restore. One that exits 2 for want of a safety snapshot is checked against what
 * that restore did (not against an earlier restore's half-restore). One whose snapshot the catalog
 * records and that keeps failing while no damage was injected since that restore is a violation: the
 * operator's way back does not work. One whose snapshot injected damage may have hit must say that it
 * cannot be read; the operator then restores every source, as pullback says (seed 4242: flipped bytes
 * hit restore 15's snapshot, and its rollback exited 1 nine nights running, showing no reason).
 */
async function rollback(world: World, state: SoakState): Promise<void> {
  const it = state.interrupted.at(-1)!;
  state.step = `operator rollback of restore ${it.id}`;
  state.count(state.actions, 'rollback');
  const damage = state.damage;
  const x = await command(world, state, 'restore', ['restore', '--rollback', String(it.id), '--yes']);
  if (x.unsupported) return;
  note(`  restore --rollback ${it.id}: exit ${x.exitCode}${x.exitCode === 0 ? `: ${firstLines(x)}` : `:${reason(x)}`}`);
  if (x.exitCode === 0) {
    state.checks++;
    const diffs = [...filesDiffer(world, it.was), ...(await rowsDiffer(world, it.was))];
    if (diffs.length > 0) violation(state, `the rollback of restore ${it.id} exited 0 but the target differs from what it was just before that restore:\n${diffs.slice(0, 20).join('\n')}`);
    state.interrupted.pop();
  } else if (x.exitCode === 2 && /no safety snapshot/.test(`${x.stdout}${x.stderr}`)) {
    // Killed before its safety snapshot: nothing to roll back, and it may have changed nothing.
    state.checks++;
    if (it.changed) violation(state, `restore ${it.id} changed the target before its safety snapshot (it was killed, the target differed after it from just before it, and pullback says there is no snapshot to roll back to)\n${show(x)}`);
    state.interrupted.pop();
  } else if (it.damagedSince && /safety snapshot of restore \d+, \S+ in \S+, cannot be read/.test(x.stderr)) {
    // Injected damage since its snapshot hit the snapshot, and pullback says so: the operator puts the
    // target in a known state as pullback says, with a restore of every source (of an archive whose origin is known).
    const archive = restorable(state);
    if (!archive) return invariants(world, state, false);
    const r = await command(world, state, 'restore', ['restore', '--host', HOST, '--archive', archive, '--yes']);
    note(`  restore ${archive} (restore ${it.id}'s snapshot damaged by the injected damage): exit ${r.exitCode}${r.exitCode !== 0 ? `:${reason(r)}` : ''}`);
    if (r.exitCode === 0) {
      state.interrupted = [];
      await sameAsArchive(world, state, archive);
    }
  } else {
    const snapshot = queryCatalog<{ snapshot_archive: string | null }>(world.cfg.stateDir, 'SELECT snapshot_archive FROM restores WHERE id = ?', it.id)[0]?.snapshot_archive;
    it.failedRollbacks = snapshot && !it.damagedSince && damage === 'none' && state.damage === 'none' ? it.failedRollbacks + 1 : 0;
    state.checks++;
    if (it.failedRollbacks >= ROLLBACK_FAILURES)
      violation(state, `the rollback of restore ${it.id} failed ${it.failedRollbacks} times in a row although its safety snapshot ${snapshot} is in the catalog and no damage was injected since that restore: the operator's way back does not work\n${show(x)}`);
  }
  await invariants(world, state, false);
}

/**
 * A restore of the newest known archive that gets `signal` at a seeded moment (0.3 to 6.3 s in: before,
 * during or after its writes on this machine), after some work was done
 * on the target (so a restore that got far enough visibly changes it). Returns what happened.
 */
export async function killedRestore(world: World, state: SoakState, signal: Kill['signal']): Promise<string> {
  const archive = restorable(state);
  if (!archive) return 'skipped: no archive of an OK night';
  writeFileSync(join(world.data, `late-${state.night}.txt`), 'written after the night\n');
  await psql(world.db, `INSERT INTO items VALUES ((SELECT max(id) + 1 FROM items), 'late ${state.night}');`);
  await world.mariaWork(mariaInsert('items', 'label', undefined, 1, `late ${state.night}`));
  const was = await world.live();
  const m = mark(world);
  const x = await command(world, state, 'restore', ['restore', '--host', HOST, '--archive', archive, '--yes'], { kill: { signal, afterMs: 300 + int(6000) } });
  await world.settle();
  if (!x.signalled) {
    if (x.exitCode === 0) {
      state.interrupted = [];
      await sameAsArchive(world, state, archive);
    }
    return `restore ${archive} finished before the ${signal}, exit ${x.exitCode}`;
  }
  const now = await world.live();
  const changed = JSON.stringify(was) !== JSON.stringify(now);
  const id = queryCatalog<{ id: number }>(world.cfg.stateDir, "SELECT id FROM restores WHERE id > ? AND kind = 'restore' ORDER BY id DESC LIMIT 1", m.restore)[0]?.id;
  // A signal that came after the restore's last step: the catalog records it ok, every step done. It
  // is a finished restore (it resolves the earlier interrupted ones, as pullback counts it), held to
  // invariant 1, not a killed one (seed 31337, night 36: SIGTERM after start_writes and the checks).
  const recorded = id !== undefined ? queryCatalog<{ status: string }>(world.cfg.stateDir, 'SELECT status FROM restores WHERE id = ?', id)[0]?.status : undefined;
  if (recorded === 'ok') {
    state.interrupted = [];
    await sameAsArchive(world, state, archive);
    return `restore ${archive} got ${signal} after it finished (restore ${id} recorded ok, exit ${x.exitCode})`;
  }
  // Blamed on this restore only if it changed the target itself; an earlier one's half-restore stays the earlier one's.
  if (id !== undefined) state.interrupted.push({ id, was, changed, failedRollbacks: 0 });
  else if (changed) violation(state, `a killed restore changed the target but the catalog records no restore of it\n${show(x)}`);
  return `restore ${archive} got ${signal} ${x.killed ? '(died of it)' : `(exit ${x.exitCode})`}, the target ${changed ? 'changed' : 'unchanged'}${id !== undefined ? ` (restore ${id})` : ''}`;
}

/** After a night: when damage is known the operator repairs it sometimes, a killed restore is rolled back sometimes, otherwise sometimes one action. */
export async function operatorTurn(world: World, state: SoakState, fault: string): Promise<void> {
  if (state.damage !== 'none' && random() < 0.6) return repair(world, state);
  if (state.interrupted.length > 0 && random() < 0.6) return rollback(world, state);
  if (random() >= 0.6) return;
  const action = pick(ACTIONS);
  state.count(state.actions, action);
  state.step = `operator ${action} (fault ${fault})`;
  if (action === 'restore') {
    const archive = restorable(state);
    if (archive) {
      const x = await command(world, state, 'restore', ['restore', '--host', HOST, '--archive', archive, '--yes']);
      note(`  restore ${archive}: exit ${x.exitCode}${x.exitCode !== 0 ? `:${reason(x)}` : ''}`);
      noFalseDamage(state, x);
      if (x.exitCode === 0) {
        state.interrupted = [];
        await sameAsArchive(world, state, archive);
      }
    }
  } else if (action === 'restore-killed') {
    note(`  ${await killedRestore(world, state, 'SIGKILL')}`);
  } else if (action === 'check') {
    const x = await command(world, state, 'check', ['check', '--host', HOST]);
    note(`  check: exit ${x.exitCode}${x.exitCode !== 0 ? `:${reason(x)}` : ''}`);
    state.checks++;
    if (state.damage !== 'none' && x.exitCode === 0) violation(state, `check exited 0 while the repository has unresolved damage (${state.damage})\n${show(x)}`);
  } else if (action === 'drill') {
    const x = await command(world, state, 'drill', ['drill', '--host', HOST]);
    note(`  drill: exit ${x.exitCode}${x.exitCode !== 0 ? `:${reason(x)}` : ''}`);
  } else if (action === 'prune') {
    const x = await command(world, state, 'prune', ['prune', '--host', HOST]);
    note(`  prune: exit ${x.exitCode}${x.exitCode !== 0 ? `:${reason(x)}` : ''}`);
    return invariants(world, state, x.exitCode === 0);
  } else {
    const x = await world.cli(['status', '--host', HOST]);
    note(`  status: exit ${x.exitCode}: ${x.stdout.split('\n').slice(0, 2).join(' | ')}`);
  }
  await invariants(world, state, false);
}
