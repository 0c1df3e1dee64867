// The restore table, driven through its runner with fake step bodies: what each row's failure stops
// is what its `stops` says, `always` rows run after a failure, a signal stops the sources between
// waves, and every step planned in the catalog ends in a final state (skipped, with the reason,
// when it does not run).
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/catalog/catalog.js';
import type { RestoreStepResult } from '../../../src/restore/context.js';
import { RestoreRecorder, restoreSteps } from '../../../src/restore/record.js';
import { runRestoreRows, type ExecuteResult, type RestoreRow, type StepLine } from '../../../src/restore/runner.js';
import { RESTORE_STEPS } from '../../../src/restore/steps.js';
import { makeTempDir } from '../../harness/tmp.js';

type Outcome = Partial<RestoreStepResult> & { abort?: boolean; throws?: string };

const source = (name: string, kind: string, mode: 'databases' | 'files', targetPath: string) => ({ source: name, kind, mode, targetPath });
// Waves: [db], [blobs], [data, uploads] (two data folders apart are pushed at once).
const SOURCES = [source('db', 'database', 'databases', '/var/db'), source('blobs', 'blobs', 'files', '/srv/blobs'), source('data', 'data', 'files', '/srv/data'), source('uploads', 'data', 'files', '/srv/uploads')];

/**
 * Runs `rows` (the real table by default) with each step's body replaced by the outcome named by its
 * kind or source (ok when none is named); returns the result, the steps as the catalog holds them,
 * the bodies that ran and the lines shown.
 */
async function drive(outcomes: Record<string, Outcome> = {}, o: { rows?: readonly RestoreRow[]; snapshot?: boolean } = {}) {
  const catalog = Catalog.open(makeTempDir('restore-steps-'));
  try {
    const recorder = RestoreRecorder.start(catalog.db, { kind: 'restore', host: 'main', target: 'main', repository: '/r', archive: 'main-1', plan: {} });
    const abort = new AbortController();
    const ran: string[] = [];
    const lines: StepLine[] = [];
    const rows = (o.rows ?? RESTORE_STEPS).map(
      (row): RestoreRow => ({
        ...row,
        run: async (_r, step) => {
          const name = step?.source ?? row.kind;
          ran.push(name);
          const { abort: signal, throws, ...out } = outcomes[name] ?? {};
          if (signal) abort.abort();
          if (throws) throw new Error(throws);
          return { status: 'ok', ...(row.checklist ? { value: [] } : {}), ...out };
        },
      }),
    );
    const result: ExecuteResult = { status: 'ok', restored: [], untouched: SOURCES.map((s) => s.source), notSelected: [], verified: [], checks: [], warnings: [] };
    const r = { ctx: { signal: abort.signal }, plan: { steps: SOURCES }, opts: { snapshot: o.snapshot ?? true, configuredChecks: true, catalog, recorder, onStep: (l: StepLine) => lines.push(l) }, staging: {}, result };
    await runRestoreRows(rows, r as never);
    const steps = restoreSteps(catalog.db, recorder.id).map((s) => [s.source ?? s.kind, s.status]);
    const errors = Object.fromEntries(restoreSteps(catalog.db, recorder.id).map((s) => [s.source ?? s.kind, s.error]));
    return { result, steps, errors, ran, lines };
  } finally {
    catalog.close();
  }
}

const ORDER = ['stop_writes', 'snapshot', 'db', 'blobs', 'data', 'uploads', 'verify', 'start_writes', 'checks'];
const statuses = (of: Record<string, string>) => ORDER.map((name) => [name, of[name] ?? 'ok']);

describe('the restore step table, through its runner', () => {
  it('runs every step in order when all succeed: the sources in waves, the data checks before start_writes, the readiness checks after', async () => {
    const { result, steps, ran } = await drive();
    expect(ran).toEqual(ORDER);
    expect(steps).toEqual(statuses({}));
    expect(result).toMatchObject({ status: 'ok', restored: ['db', 'blobs', 'data', 'uploads'], untouched: [] });
    expect(result.stoppedAt).toBeUndefined();
  });

  it('after a failed stop_writes, runs only start_writes and ends every other step, each source included, as skipped with the reason', async () => {
    const { result, steps, errors, ran } = await drive({ stop_writes: { status: 'failed', error: 'hook exited 1' } });
    expect(ran).toEqual(['stop_writes', 'start_writes']);
    expect(steps).toEqual(statuses({ stop_writes: 'failed', snapshot: 'skipped', db: 'skipped', blobs: 'skipped', data: 'skipped', uploads: 'skipped', verify: 'skipped', checks: 'skipped' }));
    expect(errors.blobs).toBe('not run: the restore stopped at stop_writes');
    expect(result).toMatchObject({ status: 'failed', stoppedAt: { kind: 'stop_writes', error: 'hook exited 1' }, restored: [], untouched: ['db', 'blobs', 'data', 'uploads'] });
  });

  it('after a failed snapshot, no source is touched; start_writes runs', async () => {
    const { result, steps, ran } = await drive({ snapshot: { status: 'failed', error: 'borg create failed' } });
    expect(ran).toEqual(['stop_writes', 'snapshot', 'start_writes']);
    expect(steps).toEqual(statuses({ snapshot: 'failed', db: 'skipped', blobs: 'skipped', data: 'skipped', uploads: 'skipped', verify: 'skipped', checks: 'skipped' }));
    expect(result).toMatchObject({ status: 'failed', stoppedAt: { kind: 'snapshot' }, untouched: ['db', 'blobs', 'data', 'uploads'] });
  });

  it("a source's failure skips the waves after it while its own wave ends; start_writes runs", async () => {
    const blobs = await drive({ blobs: { status: 'failed', error: 'push failed', changed: true } });
    expect(blobs.ran).toEqual(['stop_writes', 'snapshot', 'db', 'blobs', 'start_writes']);
    expect(blobs.steps).toEqual(statuses({ blobs: 'failed', data: 'skipped', uploads: 'skipped', verify: 'skipped', checks: 'skipped' }));
    expect(blobs.result).toMatchObject({ status: 'failed', stoppedAt: { kind: 'blobs', source: 'blobs', changed: true }, restored: ['db'], untouched: ['data', 'uploads'] });

    // data and uploads are one wave: uploads still runs to its end, and is restored.
    const data = await drive({ data: { status: 'failed', error: 'push failed', changed: false } });
    expect(data.steps).toEqual(statuses({ data: 'failed', verify: 'skipped', checks: 'skipped' }));
    // Proven unchanged: the failed source counts as untouched.
    expect(data.result).toMatchObject({ status: 'failed', restored: ['db', 'blobs', 'uploads'], untouched: ['data'] });
  });

  it("each row's failure stops exactly what its `stops` says, and never an `always` row", async () => {
    for (const row of RESTORE_STEPS.filter((r) => !r.waves)) {
      const { steps, result } = await drive({ [row.kind]: { status: 'failed', error: 'broken' } });
      const after = ORDER.slice(ORDER.indexOf(row.kind) + 1);
      const always = new Set(RESTORE_STEPS.filter((r) => r.always).map((r) => r.kind as string));
      const expected = Object.fromEntries([[row.kind, 'failed'], ...(row.stops === 'rest' ? after.filter((n) => !always.has(n)).map((n) => [n, 'skipped']) : [])]);
      expect(steps, row.kind).toEqual(statuses(expected));
      expect(result, row.kind).toMatchObject({ status: 'failed', stoppedAt: { kind: row.kind, error: 'broken' } });
    }
  });

  it('a failed verify stops nothing: start_writes and the readiness checks run, and the restore fails at verify', async () => {
    const { result, steps, ran } = await drive({ verify: { status: 'failed', error: '1 data check(s) failed', value: [{ name: 'rows', status: 'fail', figure: 'differs' }] } });
    expect(ran.slice(-3)).toEqual(['verify', 'start_writes', 'checks']);
    expect(steps).toEqual(statuses({ verify: 'failed' }));
    expect(result).toMatchObject({ status: 'failed', stoppedAt: { kind: 'verify' }, verified: [{ name: 'rows', status: 'fail' }], restored: ['db', 'blobs', 'data', 'uploads'] });
  });

  it("a step's warning is the restore's warning, except a checklist's (its items say it)", async () => {
    const { result, steps } = await drive({ db: { status: 'warning', summary: 'db; warning: old kept' }, verify: { status: 'warning', error: '1 data check(s) could not verify' } });
    expect(steps).toEqual(statuses({ db: 'warning', verify: 'warning' }));
    expect(result).toMatchObject({ status: 'ok', warnings: ['database db: db; warning: old kept'], restored: ['db', 'blobs', 'data', 'uploads'] });
  });

  it('a rollback takes no snapshot: its step is not planned at all', async () => {
    const { steps, ran } = await drive({}, { snapshot: false });
    expect(ran).not.toContain('snapshot');
    expect(steps.map(([name]) => name)).toEqual(ORDER.filter((n) => n !== 'snapshot'));
  });

  it('a signal stops the sources between waves: the later waves and checks are skipped, start_writes runs, the restore is interrupted', async () => {
    const { result, steps, errors, ran } = await drive({ db: { abort: true } });
    expect(ran).toEqual(['stop_writes', 'snapshot', 'db', 'start_writes']);
    expect(steps).toEqual(statuses({ blobs: 'skipped', data: 'skipped', uploads: 'skipped', verify: 'skipped', checks: 'skipped' }));
    expect(errors.data).toBe('not run: interrupted by a signal');
    expect(result).toMatchObject({ status: 'interrupted', stoppedAt: { kind: 'restore', error: 'interrupted by a signal' }, restored: ['db'], untouched: ['blobs', 'data', 'uploads'] });
  });

  it('a step that fails after a signal is interrupted, unless the row ignores the signal; a later failure keeps the restore interrupted', async () => {
    const { result, steps } = await drive({ stop_writes: { status: 'failed', error: 'killed', abort: true }, start_writes: { status: 'failed', error: 'hook exited 1' } });
    expect(steps).toEqual(statuses({ stop_writes: 'interrupted', snapshot: 'skipped', db: 'skipped', blobs: 'skipped', data: 'skipped', uploads: 'skipped', verify: 'skipped', start_writes: 'failed', checks: 'skipped' }));
    expect(result).toMatchObject({ status: 'interrupted', stoppedAt: { kind: 'stop_writes', error: 'killed' } });
  });

  it('walks any rows by their fields alone: a throw is a failed step, `rest` skips all but `always` rows', async () => {
    const fake = (kind: RestoreRow['kind'], stops: RestoreRow['stops'], always?: true): RestoreRow => ({ kind, stops, always, applies: () => true, signal: 'ignored', run: async () => ({ status: 'ok' }) });
    const rows = [fake('verify', 'nothing'), fake('stop_writes', 'rest'), fake('snapshot', 'nothing'), fake('start_writes', 'nothing', true), fake('checks', 'nothing')];
    const { steps, ran, result, lines } = await drive({ verify: { throws: 'boom' }, stop_writes: { status: 'failed', error: 'no' } }, { rows });
    expect(ran).toEqual(['verify', 'stop_writes', 'start_writes']);
    expect(steps).toEqual([['verify', 'failed'], ['stop_writes', 'failed'], ['snapshot', 'skipped'], ['start_writes', 'ok'], ['checks', 'skipped']]);
    expect(result.stoppedAt).toMatchObject({ kind: 'verify', error: 'boom' });
    expect(lines.map((l) => `${l.kind} ${l.status}`)).toEqual(['verify failed', 'stop_writes failed', 'start_writes ok']);
  });
});
