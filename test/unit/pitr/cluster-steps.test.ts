// The whole-cluster restore's runner over its table: a row's failure stops the rows after it except
// start_writes (once stop_writes ran), every planned step ends recorded, and `changed` says whether a
// row that changes the server had begun. The real tables' order is checked as data.
import { describe, expect, it } from 'vitest';
import { CLUSTER_RESTORE_STEPS, CLUSTER_ROLLBACK_STEPS, runClusterSteps, type ClusterRow, type ClusterRun } from '../../../src/pitr/cluster-steps.js';

function recorder() {
  const steps: Array<{ kind: string; status: string; error?: string }> = [];
  return {
    steps,
    plan: (kind: string) => steps.push({ kind, status: 'pending' }) - 1,
    begin: (id: number) => void (steps[id]!.status = 'running'),
    end: (id: number, status: string, error?: string) => void Object.assign(steps[id]!, { status, error }),
  };
}

const row = (kind: string, changes: boolean, result: 'ok' | 'fail' | 'throw', when: ClusterRow['when'] = 'ok'): ClusterRow => ({
  kind,
  when,
  changes,
  run: async () => {
    if (result === 'throw') throw new Error(`${kind} threw`);
    return result === 'ok' ? { ok: true, summary: `${kind} done` } : { ok: false, error: `${kind} broke` };
  },
});

const run = {} as ClusterRun;

describe('runClusterSteps', () => {
  it('a failure before any change stops the rest, start_writes too (stop_writes never ran), changed false', async () => {
    const rec = recorder();
    const rows = [row('readiness', false, 'ok'), row('recover', false, 'fail'), row('stop_writes', true, 'ok'), row('push', true, 'ok'), row('start_writes', true, 'ok', 'after:stop_writes')];
    const out = await runClusterSteps(rows, run, rec);
    expect(out.status).toBe('failed');
    expect(out.stoppedAt).toEqual({ kind: 'recover', error: 'recover broke', changed: false });
    expect(rec.steps.map((s) => `${s.kind}:${s.status}`)).toEqual(['readiness:ok', 'recover:failed', 'stop_writes:skipped', 'push:skipped', 'start_writes:skipped']);
  });

  it('a failure after stop_writes stops the rest but start_writes, and says the server changed', async () => {
    const rec = recorder();
    const rows = [row('readiness', false, 'ok'), row('stop_writes', true, 'ok'), row('push', true, 'throw'), row('start_server', true, 'ok'), row('start_writes', true, 'ok', 'after:stop_writes')];
    const out = await runClusterSteps(rows, run, rec);
    expect(out.stoppedAt).toEqual({ kind: 'push', error: 'push threw', changed: true });
    expect(rec.steps.map((s) => `${s.kind}:${s.status}`)).toEqual(['readiness:ok', 'stop_writes:ok', 'push:failed', 'start_server:skipped', 'start_writes:ok']);
  });

  it('the tables: proven before anything changes, start_writes last and always after stop_writes', () => {
    expect(CLUSTER_RESTORE_STEPS.map((r) => r.kind)).toEqual(['readiness', 'recover', 'stop_writes', 'stop_server', 'snapshot', 'push', 'start_server', 'checks', 'start_writes']);
    expect(CLUSTER_RESTORE_STEPS.filter((r) => !r.changes).map((r) => r.kind)).toEqual(['readiness', 'recover']);
    for (const t of [CLUSTER_RESTORE_STEPS, CLUSTER_ROLLBACK_STEPS]) expect(t.at(-1)).toMatchObject({ kind: 'start_writes', when: 'after:stop_writes' });
    expect(CLUSTER_ROLLBACK_STEPS.map((r) => r.kind)).toEqual(['readiness', 'stop_writes', 'stop_server', 'swap', 'start_server', 'checks', 'start_writes']);
  });
});
