// The drill's table, through its runner: a row's failure stops exactly what its `stops` says, a
// gate shuts its row, an interruption ends the walk; then the real table, its rows' work replaced.
import { describe, expect, it } from 'vitest';
import { DRILL_STEPS, runSteps, type Step } from '../../../src/drill/steps.js';
import type { DrillRun } from '../../../src/drill/state.js';

interface Fake {
  ran: string[];
  dumps: number;
}

/** A row that notes it ran, and throws when `fails`. */
function row(name: string, stops: string[], opts: { fails?: boolean; when?: (s: Fake) => boolean } = {}): Step<Fake> {
  return {
    name,
    stops,
    when: opts.when,
    run: async (s) => {
      s.ran.push(name);
      if (opts.fails) throw new Error(`${name} broke`);
    },
  };
}

describe('the step runner', () => {
  it('skips exactly the rows a failure stops, runs the others, and reports the failure', async () => {
    const s: Fake = { ran: [], dumps: 0 };
    const out = await runSteps([row('a', []), row('b', ['d'], { fails: true }), row('c', []), row('d', []), row('e', [])], s);
    expect(s.ran).toEqual(['a', 'b', 'c', 'e']);
    expect(out.steps.map((x) => [x.name, x.status])).toEqual([['a', 'ok'], ['b', 'failed'], ['c', 'ok'], ['d', 'stopped'], ['e', 'ok']]);
    expect(out.failures.map((f) => [f.name, (f.error as Error).message])).toEqual([['b', 'b broke']]);
  });

  it('a stopped row stops nothing itself; every failure adds what it stops', async () => {
    const s: Fake = { ran: [], dumps: 0 };
    const out = await runSteps([row('a', ['b'], { fails: true }), row('b', ['c']), row('c', ['d'], { fails: true }), row('d', []), row('e', [])], s);
    expect(s.ran).toEqual(['a', 'c', 'e']);
    expect(out.failures.map((f) => f.name)).toEqual(['a', 'c']);
    expect(out.steps.filter((x) => x.status === 'stopped').map((x) => x.name)).toEqual(['b', 'd']);
  });

  it('runs a gated row only when its gate holds of the state the earlier rows left', async () => {
    const count: Step<Fake> = { name: 'count', stops: [], run: async (s) => void (s.dumps = 2) };
    const gated = row('databases', [], { when: (s) => s.dumps > 0 });
    const shut: Fake = { ran: [], dumps: 0 };
    expect((await runSteps([gated], shut)).steps).toEqual([{ name: 'databases', status: 'skipped' }]);
    expect(shut.ran).toEqual([]);
    const open: Fake = { ran: [], dumps: 0 };
    await runSteps([count, gated], open);
    expect(open.ran).toEqual(['databases']);
  });

  it('runs nothing more once interrupted', async () => {
    const s: Fake = { ran: [], dumps: 0 };
    const out = await runSteps([row('a', []), row('b', []), row('c', [])], s, () => s.ran.length >= 1);
    expect(s.ran).toEqual(['a']);
    expect(out.steps.map((x) => x.status)).toEqual(['ok', 'interrupted', 'interrupted']);
    expect(out.failures).toEqual([]);
  });
});

describe('the drill step table', () => {
  const names = DRILL_STEPS.map((r) => r.name);
  /** The real table with each row's work replaced: it notes it ran, and the row named `failing` throws. */
  const faked = (failing: string | undefined, ran: string[]) =>
    DRILL_STEPS.map((r) => ({ ...r, run: async () => {
      ran.push(r.name);
      if (r.name === failing) throw new Error(`${r.name} failed`);
    } }));
  const pitrHost = { host: { sources: [{ name: 'db', kind: 'database', dump: { engine: 'postgres' }, pitr: { slot: 's' } }] } };
  const withDumps = { dumpTargets: [{ path: 'db/app.pgdump', size: 1 }], ctx: pitrHost } as unknown as DrillRun;

  it('opens the repository, picks the archive, samples, extracts, compares, restores the dumps, then drills point-in-time recovery', async () => {
    expect(names).toEqual(['repository', 'archive', 'sample', 'extract', 'compare', 'databases', 'pitr']);
    const ran: string[] = [];
    const out = await runSteps(faked(undefined, ran), withDumps);
    expect(ran).toEqual(names);
    expect(out.failures).toEqual([]);
  });

  it.each(DRILL_STEPS.map((r) => r.name))("a failure of '%s' stops exactly the rows its stops names, and ends the file drill (the PITR drill needs the repository only)", async (failing) => {
    const stops = DRILL_STEPS.find((r) => r.name === failing)!.stops;
    const ran: string[] = [];
    const out = await runSteps(faked(failing, ran), withDumps);
    expect(ran).toEqual(names.filter((n) => !stops.includes(n)));
    expect(out.steps.filter((x) => x.status === 'stopped').map((x) => x.name)).toEqual([...stops]);
    expect(out.failures.map((f) => f.name)).toEqual([failing]);
    // Every file row after a failed one needs what it did not do: the file drill ends there; the PITR drill runs unless the repository failed.
    if (failing !== 'pitr') expect(ran.filter((n) => n !== 'pitr').at(-1)).toBe(failing);
    expect(ran.includes('pitr')).toBe(failing !== 'repository');
  });

  it('restores databases only when the sample holds a dump', async () => {
    const ran: string[] = [];
    const out = await runSteps(faked(undefined, ran), { dumpTargets: [], ctx: pitrHost } as unknown as DrillRun);
    expect(ran).not.toContain('databases');
    expect(out.steps.find((x) => x.name === 'databases')).toEqual({ name: 'databases', status: 'skipped' });
  });

  it('drills point-in-time recovery only when the host has a PostgreSQL source with pitr:', async () => {
    const ran: string[] = [];
    const noPitr = { host: { sources: [{ name: 'db', kind: 'database', dump: { engine: 'postgres' } }, { name: 'm', kind: 'database', dump: { engine: 'mariadb' }, pitr: { slot: 's' } }] } };
    const out = await runSteps(faked(undefined, ran), { dumpTargets: [], ctx: noPitr } as unknown as DrillRun);
    expect(ran).not.toContain('pitr');
    expect(out.steps.at(-1)).toEqual({ name: 'pitr', status: 'skipped' });
  });
});
