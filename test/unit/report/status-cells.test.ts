// The status table's host row and its Attention lines come from one list of verdicts (issue 22,
// the fault tour's fourth find): after a rolled-back repository the CHECK cell said "GREEN
// repository, GREEN archives" beside "RED ... archives gone"; after a killed restore the host's
// BACKUP cell was GREEN beside the RED interrupted restore. Every non-green line now colours the
// cell it is about.
import { describe, expect, it } from 'vitest';
import { cellLight, judgeFreshness, type HostFacts, type HostFreshness } from '../../../src/report/freshness.js';
import { statusJson, statusText } from '../../../src/report/status-format.js';

const H = 3600_000;
const now = new Date('2026-03-10T07:00:00Z');
const ago = (h: number) => new Date(now.getTime() - h * H);

function facts(over: Partial<HostFacts> = {}): HostFacts {
  return {
    host: 'web',
    maxAgeMs: 26 * H,
    lastSuccess: ago(3),
    lastJob: { kind: 'run', status: 'ok', at: ago(3) },
    sources: [{ name: 'data', maxAgeMs: 26 * H, lastSuccess: ago(3), lastAttempt: { at: ago(3), status: 'ok' } }],
    checks: [
      { kind: 'repository', frequency: 'always', last: { at: ago(3), status: 'ok' } },
      { kind: 'archives', frequency: 'always', last: { at: ago(3), status: 'ok' } },
      { kind: 'drill', frequency: 'weekly', last: { at: ago(3), status: 'ok' } },
    ],
    ...over,
  };
}

/** The host row's cells (BACKUP, CHECK, DRILL) as the table prints them. */
function hostRow(v: HostFreshness): { backup: string; check: string; drill: string } {
  const line = statusText([v]).split('\n').find((l) => l.startsWith('web '))!;
  const cells = line.split(/\s{2,}/);
  return { backup: cells[2]!, check: cells[7]!, drill: cells[8]! };
}

/** The Attention lines under the table. */
function attention(v: HostFreshness): string[] {
  const text = statusText([v]);
  return text.includes('Attention:') ? text.split('Attention:\n')[1]!.split('\n') : [];
}

describe('the status host row and its Attention lines', () => {
  it('all green: no Attention, every cell green', () => {
    const v = judgeFreshness(facts(), now);
    expect(attention(v)).toEqual([]);
    expect(hostRow(v)).toEqual({ backup: 'GREEN', check: 'GREEN repository 3h ago, archives 3h ago', drill: 'GREEN 3h ago' });
  });

  it("the DRILL cell shows each PITR drill's measured RTO, or its status when it did not pass", () => {
    expect(hostRow(judgeFreshness(facts({ pitrDrills: [{ source: 'db', status: 'ok', rtoSeconds: 7.7 }] }), now)).drill).toBe('GREEN 3h ago, PITR db RTO 7.7 s');
    const failed = facts({ pitrDrills: [{ source: 'db', status: 'failed', rtoSeconds: 7.7 }, { source: 'other', status: 'unverified' }] });
    expect(hostRow(judgeFreshness(failed, now)).drill).toBe('GREEN 3h ago, PITR db failed, PITR other unverified');
  });

  it('a drill (or check) the config never runs shows once run by hand: a passing `pullback drill` is not "-"', () => {
    const never = (drill?: { at: Date; status: string }) =>
      facts({
        lastJob: drill ? { kind: 'drill', status: drill.status, at: drill.at } : undefined,
        checks: [
          { kind: 'repository', frequency: 'always', last: { at: ago(3), status: 'ok' } },
          { kind: 'data', frequency: 'never' },
          { kind: 'drill', frequency: 'never', ...(drill ? { last: drill } : {}) },
        ],
      });
    expect(hostRow(judgeFreshness(never(), now)).drill).toBe('-');
    expect(hostRow(judgeFreshness(never({ at: ago(1), status: 'ok' }), now))).toMatchObject({ check: 'GREEN repository 3h ago', drill: 'GREEN 1h ago (by hand)' });
    expect(hostRow(judgeFreshness(never({ at: ago(1), status: 'warning' }), now)).drill).toMatch(/^\S+ warning 1h ago \(by hand\)$/);
  });

  it('a rolled-back repository (archives gone, the check job failed) makes the CHECK cell red, whatever the last check records said', () => {
    const v = judgeFreshness(
      facts({
        lastJob: { kind: 'check', status: 'failed', at: ago(1), error: 'repository rolled back (borg refuses it until accepted)' },
        archiveLoss: { unresolved: [{ name: 'web-20260310T040000Z', createdAt: ago(3).toISOString(), vanishedAt: ago(1).toISOString() }], lost: [] },
      }),
      now,
    );
    expect(attention(v).some((l) => l.startsWith('  RED web: last check failed: repository rolled back'))).toBe(true);
    expect(attention(v).some((l) => l.startsWith('  RED web: archives: 1 archive(s) gone from the repository'))).toBe(true);
    expect(hostRow(v).check).toBe('RED repository 3h ago, archives 3h ago');
    expect(hostRow(v).backup).toBe('RED');
    expect(cellLight(v, 'drill')).toBe('green');
  });

  it('archives gone alone (no failed job) still make the CHECK cell red', () => {
    const v = judgeFreshness(facts({ archiveLoss: { unresolved: [{ name: 'web-20260310T040000Z', createdAt: ago(3).toISOString(), vanishedAt: ago(1).toISOString() }], lost: [] } }), now);
    expect(hostRow(v)).toMatchObject({ backup: 'GREEN', check: 'RED repository 3h ago, archives 3h ago' });
  });

  it('an open check failure makes the CHECK cell red beside its DAMAGED line, and a CHECK cell with no check configured says RED', () => {
    const damage = [{ kind: 'repository', firstFailedAt: ago(2), failedAt: ago(2), error: 'Segment entry checksum mismatch' }];
    const v = judgeFreshness(facts({ damage }), now);
    expect(hostRow(v)).toMatchObject({ backup: 'RED', check: 'RED repository 3h ago, archives 3h ago' });
    const none = judgeFreshness(facts({ damage, checks: [] }), now);
    expect(hostRow(none)).toMatchObject({ check: 'RED', drill: '-' });
  });

  it('an interrupted restore onto the host makes its BACKUP cell red beside the line naming the rollback', () => {
    const v = judgeFreshness(facts({ interruptedRestores: [{ id: 4, startedAt: ago(1), rollbackCommand: 'pullback restore --rollback 4 --yes', text: 'restore 4 was interrupted; to put the target back: pullback restore --rollback 4 --yes' }] }), now);
    expect(attention(v)).toEqual(['  RED web: restore 4 was interrupted; to put the target back: pullback restore --rollback 4 --yes']);
    expect(hostRow(v)).toMatchObject({ backup: 'RED', check: 'GREEN repository 3h ago, archives 3h ago' });
  });

  it('status --json says what the table says: the BACKUP cell red during an interrupted restore, with its reason', () => {
    const text = 'restore 4 was interrupted; to put the target back: pullback restore --rollback 4 --yes';
    const v = judgeFreshness(facts({ interruptedRestores: [{ id: 4, startedAt: ago(1), rollbackCommand: 'pullback restore --rollback 4 --yes', text }] }), now);
    const host = (statusJson([v], [], now) as { hosts: Array<Record<string, any>> }).hosts[0]!;
    expect(host.backup).toMatchObject({ status: 'red', reason: `web: ${text}`, last_success: ago(3).toISOString(), age_seconds: 3 * 3600, max_age_seconds: 26 * 3600 });
    expect(host.cells).toEqual({ backup: 'red', check: 'green', drill: 'green' });
    expect(host.status).toBe('red');
    expect(host.sources.map((s: { source: string; status: string }) => [s.source, s.status])).toEqual([['data', 'green']]);
    expect(hostRow(v).backup).toBe(host.backup.status.toUpperCase());
  });

  it('status --json cells match the table for every case above', () => {
    const cases: HostFacts[] = [
      facts(),
      facts({ lastJob: { kind: 'drill', status: 'failed', at: ago(1), error: 'sample differs' } }),
      facts({ archiveLoss: { unresolved: [{ name: 'web-20260310T040000Z', createdAt: ago(3).toISOString(), vanishedAt: ago(1).toISOString() }], lost: [] } }),
      facts({ damage: [{ kind: 'repository', firstFailedAt: ago(2), failedAt: ago(2), error: 'Segment entry checksum mismatch' }] }),
      facts({ lastSuccess: ago(40), sources: [{ name: 'data', maxAgeMs: 26 * H, lastSuccess: ago(40), lastAttempt: { at: ago(1), status: 'failed', error: 'gone' } }] }),
    ];
    for (const f of cases) {
      const v = judgeFreshness(f, now);
      const host = (statusJson([v], [], now) as { hosts: Array<Record<string, any>> }).hosts[0]!;
      const row = hostRow(v);
      expect(host.backup.status.toUpperCase()).toBe(row.backup);
      expect(host.cells.backup.toUpperCase()).toBe(row.backup);
      expect(row.check.startsWith(host.cells.check.toUpperCase())).toBe(true);
      expect(row.drill.startsWith(host.cells.drill.toUpperCase())).toBe(true);
      const sourceRows = statusText([v]).split('\n').filter((l) => l.startsWith('web ') && !/^web\s+-\s/.test(l));
      expect(sourceRows.map((l) => l.split(/\s{2,}/).slice(1, 3))).toEqual(host.sources.map((s: { source: string; status: string }) => [s.source, s.status.toUpperCase()]));
    }
  });

  it('a failed drill job colours the DRILL cell too, and a failed check record only the CHECK cell', () => {
    const drill = judgeFreshness(facts({ lastJob: { kind: 'drill', status: 'failed', at: ago(1), error: 'sample differs' } }), now);
    expect(hostRow(drill)).toEqual({ backup: 'RED', check: 'GREEN repository 3h ago, archives 3h ago', drill: 'RED 3h ago' });
    const checks = facts().checks.map((c) => (c.kind === 'archives' ? { ...c, last: { at: ago(1), status: 'failed' } } : c));
    const record = judgeFreshness(facts({ checks }), now);
    expect(hostRow(record)).toEqual({ backup: 'GREEN', check: 'RED repository 3h ago, archives 1h ago', drill: 'GREEN 3h ago' });
  });
});
