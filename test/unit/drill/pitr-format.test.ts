// The PITR drill's results for people and as kept in the catalog: the RTO and its parts, the
// transactions named, the problems of one that did not pass; read back from a drills row.
import { describe, expect, it } from 'vitest';
import { pitrDrillsOf } from '../../../src/catalog/queries.js';
import { pitrJson, pitrLines, pitrProblems, pitrRecord } from '../../../src/drill/pitr-format.js';
import type { PitrDrillResult } from '../../../src/drill/pitr-result.js';
import { pitrDrillText } from '../../../src/report/data.js';

const passed: PitrDrillResult = {
  source: 'db', status: 'ok', target: '2026-12-08T01:50:08.000Z', chosen: 'random',
  window: { oldest: '2026-12-08T01:50:00.293Z', newest: '2026-12-08T01:50:10.492Z' },
  baseArchive: 'main-20261208T015000Z', walArchives: ['main-20261208T015000Z'], walFiles: 5,
  rtoMs: 7699, extractMs: 7180, replayMs: 519,
  lastCommit: { xid: '746', time: '2026-12-08 01:50:07.934810 UTC', lsn: '0/06000B30', kind: 'commit' },
  stop: { xid: '747', time: '2026-12-08 01:50:08.017478 UTC', lsn: '0/06000BD8', kind: 'commit' },
  firstCommitAfter: { xid: '747', time: '2026-12-08 01:50:08.017478 UTC', lsn: '0/06000BD8', kind: 'commit' },
  checks: [{ name: 'rows', ok: true, got: 't', expected: 't' }],
};

describe('the PITR drill for people', () => {
  it('prints the point, how it was chosen, the RTO and its parts, the transactions around the point and the checks', () => {
    expect(pitrLines('main', [passed])).toEqual([
      '  main/db: PASS to 2026-12-08 01:50:08.000 UTC (drawn from the window 2026-12-08 01:50:00.293 UTC to 2026-12-08 01:50:10.492 UTC): RTO 7.7 s (extraction 7.2 s, WAL replay 0.5 s)',
      '    recovered from base backup main-20261208T015000Z and 5 WAL file(s) in a scratch cluster: started, promoted, answered queries',
      '    last commit at or before the point: transaction 746 at 2026-12-08 01:50:07.934810 UTC (WAL 0/06000B30): committed in the recovered cluster',
      '    recovery stopped before the commit of transaction 747 at 2026-12-08 01:50:08.017478 UTC, not applied',
      '    1 of 1 SQL check(s) passed',
    ]);
    expect(pitrProblems({ pitr: [passed] })).toEqual([]);
  });

  it('names why one failed or is unverified, without claiming what it did not see', () => {
    const gap: PitrDrillResult = { source: 'db', status: 'failed', target: '2026-12-08T01:50:08.000Z', chosen: 'given', checks: [], error: 'could not recover to 2026-12-08T01:50:08.000Z: the WAL from the base backup on has a gap: 1 WAL segment(s) missing (000000010000000000000004)' };
    expect(pitrLines('main', [gap])).toEqual(['  main/db: FAILED to 2026-12-08 01:50:08.000 UTC (given with --at)', `    ${gap.error}`]);
    expect(pitrProblems({ pitr: [gap] })).toEqual([`PITR db to 2026-12-08 01:50:08.000 UTC: ${gap.error}`]);
    const none: PitrDrillResult = { source: 'db', status: 'unverified', checks: [], error: 'no recovery window to drill: main/db has no base backup in an archive yet' };
    expect(pitrProblems({ pitr: [none] })).toEqual(['PITR db: UNVERIFIED: no recovery window to drill: main/db has no base backup in an archive yet']);
    const wrong: PitrDrillResult = { ...passed, status: 'failed', error: 'transaction 747, committed at ... (after the point), is committed in the recovered cluster' };
    const lines = pitrLines('main', [wrong]).join('\n');
    expect(lines).not.toContain('committed in the recovered cluster\n');
    expect(lines).not.toContain('not applied');
    expect(lines).toContain(`FAILED: ${wrong.error}`);
  });
});

describe('the PITR drill in the catalog and the report', () => {
  it('is kept beside the dumps in the drills row and read back with its RTO', () => {
    const column = JSON.stringify([{ path: 'db/appdb.pgdump', engine: 'postgres', status: 'ok' }, pitrRecord(passed)]);
    const rows = pitrDrillsOf(column);
    expect(rows).toEqual([{ source: 'db', status: 'ok', target: passed.target, rtoSeconds: 7.7, extractionSeconds: 7.2, replaySeconds: 0.5 }]);
    expect(pitrJson(passed)).toMatchObject({ rto_seconds: 7.7, extraction_seconds: 7.2, replay_seconds: 0.5, chosen: 'random' });
    expect(pitrDrillsOf('not json')).toEqual([]);
    expect(pitrDrillsOf(null)).toEqual([]);
    expect(pitrDrillText({ source: 'db', status: 'ok', target: passed.target!, rto_seconds: 7.7, extraction_seconds: 7.2, replay_seconds: 0.5, error: null })).toBe('PITR db to 2026-12-08 01:50:08.000 UTC: ok, RTO 7.7 s (extraction 7.2 s, WAL replay 0.5 s)');
  });
});
