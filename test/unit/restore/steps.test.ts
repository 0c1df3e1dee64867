// The restore table: the order, what always runs, and what a rollback leaves out.
import { describe, expect, it } from 'vitest';
import { RESTORE_STEPS } from '../../../src/restore/execute.js';

describe('the restore step table', () => {
  it('stops writes, snapshots, restores the sources, verifies the data while writes are stopped, always starts writes again, then the readiness checks', () => {
    expect(RESTORE_STEPS.map((r) => r.kind)).toEqual(['stop_writes', 'snapshot', 'sources', 'verify', 'start_writes', 'checks']);
    expect(RESTORE_STEPS.filter((r) => r.always).map((r) => r.kind)).toEqual(['start_writes']);
    for (const r of RESTORE_STEPS) expect(r.records.length * r.onFailure.length).toBeGreaterThan(0);
  });

  it('takes a snapshot only when asked (a rollback takes none)', () => {
    const snapshot = RESTORE_STEPS.find((r) => r.kind === 'snapshot')!;
    expect(snapshot.applies({ opts: { snapshot: true } } as never)).toBe(true);
    expect(snapshot.applies({ opts: { snapshot: false } } as never)).toBe(false);
  });
});
