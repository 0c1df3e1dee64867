// scripts/soak: nights against one real main server with a fault drawn before each, random operator
// actions after, and the invariants of issue 22 checked after every step (docs/soak.md).
// SOAK_NIGHTS=N, SOAK_SEED=S, SOAK_OUT=FILE (the summary printed at the end), SOAK_PULLBACK=DIR.
// The modules: world.ts (the main server, the config, the CLI, the state), faults.ts (the fault
// menu), procs.ts (processes a fault acts on), actions.ts (the operator), invariants.ts; this file is the loop.
import { test } from 'vitest';
import { FAULTS, MUST_FAIL, inject, type Fault } from './faults.js';
import { command, operatorTurn } from './actions.js';
import { Violation, gist, invariants, killedNoticed, reportNames, show, violation } from './invariants.js';
import { NIGHTS, SEED, HOST, MAX_AGE_S, PULLBACK_DIR, SoakState, makeWorld, note, pick, random, replay, say, spent } from './world.js';

/** SOAK_FAULTS=a,b (a debugging aid): draw only from these faults. */
const MENU: readonly Fault[] = process.env.SOAK_FAULTS ? (process.env.SOAK_FAULTS.split(',') as Fault[]) : FAULTS;
for (const f of MENU) if (!FAULTS.includes(f)) throw new Error(`SOAK_FAULTS: no fault '${f}' (one of ${FAULTS.join(', ')})`);

test(`soak: ${NIGHTS} nights, seed ${SEED}`, async () => {
  const started = Date.now();
  const state = new SoakState();
  const world = await makeWorld();
  const nightMs: number[] = [];

  say(`soak: seed ${SEED}, ${NIGHTS} nights; replay: ${replay(NIGHTS)}`);
  if (PULLBACK_DIR) say(`soak: pullback under test: ${PULLBACK_DIR}/dist/cli/main.js`);
  let outcome = 'passed';
  try {
    for (state.night = 1; state.night <= NIGHTS; state.night++) {
      const night = state.night;
      const nightStarted = Date.now();
      state.step = 'day of work';
      await world.dayOfWork(night);
      // A fifth of the nights are quiet; the rest draw a fault from the whole menu.
      const fault: Fault = random() < 0.2 ? 'none' : pick(MENU);
      state.count(state.drawn, fault);
      state.step = `fault ${fault}`;
      const inj = await inject(world, state, fault);
      // The archive of a night that exited 0 holds the origin as it was when the night started (the fault included).
      const atStart = await world.origin();
      state.step = `night (fault ${fault}${inj.skipped ? `, skipped: ${inj.skipped}` : ''})`;
      let during: ReturnType<NonNullable<typeof inj.during>> | undefined;
      const r = await command(world, state, 'run', ['run', '--host', HOST], {
        ...(inj.kill ? { kill: inj.kill } : {}),
        ...(inj.timeoutMs ? { timeoutMs: inj.timeoutMs } : {}),
        onStart: (pid) => { during = inj.during?.(pid); },
      });
      await during?.stop();
      if (r.signalled) await world.settle();
      await world.tuneRepo();
      const current = inj.origin ? inj.origin(atStart) : atStart;
      const landed = inj.after?.() ?? {};
      if (landed.violation) violation(state, `${landed.violation}\n${show(r)}`);
      inj.undo?.();
      const mustFail = (MUST_FAIL.has(fault) && !inj.skipped) || landed.mustFail === true || state.damage === 'corrupt';
      note(`night ${night}: fault ${fault}${inj.skipped ? ` (skipped: ${inj.skipped})` : ''}${landed.said ? ` (${landed.said})` : ''}: run ${r.signalled ? `got ${r.signalled}${r.killed ? '' : `, exit ${r.exitCode}`}` : `exit ${r.exitCode}`}${state.damage !== 'none' ? `, damage ${state.damage}` : ''}`);
      if (r.exitCode !== 0 && !r.killed) note(`  ${gist(r)}`);
      // Invariant 4: no exit 0 while something failed.
      state.checks++;
      if (mustFail && r.exitCode === 0) violation(state, `the night exited 0 although fault ${fault}${landed.said ? ` (${landed.said})` : ''}${state.damage !== 'none' ? ` (damage ${state.damage} unresolved)` : ''} must fail it\n${show(r)}`);
      if (r.exitCode === 0) state.okNights++;
      // A failed night's archive may hold an earlier night's copy of a refused source (a mass deletion the
      // shrink guard stopped): its origin is not known here, so restores never compare it.
      const listed = await world.listArchives();
      if (listed) {
        const fresh = listed.filter((a) => !state.known.includes(a));
        if (fresh.length > 0) state.lastArchiveAt = Date.now();
        if (r.exitCode === 0) {
          for (const a of fresh) {
            state.okArchives.add(a);
            state.archiveOrigin.set(a, current);
          }
          if (fresh.length === 0) violation(state, `the night exited 0 but no new archive is in the repository\n${show(r)}`);
        }
      }
      state.step = `after night (fault ${fault})`;
      if (!r.signalled) killedNoticed(world, state);
      // pullback applies the retention policy at the start of the next night (while the sources are pulled): a
      // night may prune when it or the night before exited 0.
      await invariants(world, state, r.exitCode === 0 || state.lastRunOk, r, listed);
      state.lastRunOk = r.exitCode === 0;
      await operatorTurn(world, state, fault);
      state.step = `the report after night ${night}`;
      await reportNames(world, state);
      nightMs.push(Date.now() - nightStarted);
    }
  } catch (e) {
    outcome = e instanceof Violation ? 'VIOLATION' : 'ERROR (the soak itself failed)';
    say(`soak: ${outcome}: ${(e as Error).message}`);
    if (!(e instanceof Violation)) say(`replay: ${replay(state.night)}`);
    throw e;
  } finally {
    const nightsRun = Math.min(state.night, NIGHTS);
    const wall = (Date.now() - started) / 1000;
    const mean = nightMs.length > 0 ? nightMs.reduce((a, b) => a + b, 0) / nightMs.length / 1000 : 0;
    say(`soak: ${outcome}; seed ${SEED}; nights run ${nightsRun} (${state.okNights} exited 0); invariant checks ${state.checks}; wall time ${wall.toFixed(0)} s (${mean.toFixed(1)} s a night, the slowest ${(Math.max(0, ...nightMs) / 1000).toFixed(1)} s; max_age ${MAX_AGE_S} s)`);
    if (nightMs.length >= 10) {
      const tenth = nightMs.length / 10;
      const parts = Array.from({ length: 10 }, (_, i) => nightMs.slice(Math.round(i * tenth), Math.round((i + 1) * tenth)));
      say(`soak: seconds a night, by tenths of the run: ${parts.map((p) => (p.reduce((a, b) => a + b, 0) / p.length / 1000).toFixed(1)).join(' ')}`);
    }
    say(`soak: faults drawn (${FAULTS.length} kinds): ${FAULTS.map((f) => `${f} ${state.drawn.get(f) ?? 0}`).join(', ')}`);
    say(`soak: operator actions: ${[...state.actions].map(([a, n]) => `${a} ${n}`).join(', ') || 'none'}`);
    say(`soak: time spent: ${[...spent].sort((a, b) => b[1] - a[1]).map(([w, ms]) => `${w} ${(ms / 1000).toFixed(0)} s`).join(', ')}`);
    if (state.unsupported.size > 0) say(`soak: skipped, unknown to the pullback under test: ${[...state.unsupported].map(([a, n]) => `${a} ${n}`).join(', ')}`);
  }
});
