// An open check failure (a damaged repository) is red for the host, for the sources its named files
// belong to (every source when no file is named or the search was cut short), with the next command.
import { describe, expect, it } from 'vitest';
import { judgeFreshness, statusExitCode, type DamageFacts, type HostFacts } from '../../../src/report/freshness.js';

const H = 3600_000;
const now = new Date('2026-03-10T07:00:00Z');
const ago = (h: number) => new Date(now.getTime() - h * H);

function facts(damage: DamageFacts[]): HostFacts {
  return {
    host: 'web',
    maxAgeMs: 26 * H,
    lastSuccess: ago(1),
    lastJob: { kind: 'run', status: 'ok', at: ago(1) },
    sources: ['data', 'db'].map((name) => ({ name, maxAgeMs: 26 * H, lastSuccess: ago(1), lastAttempt: { at: ago(1), status: 'ok' as const } })),
    checks: [{ kind: 'repository', frequency: 'daily', last: { at: ago(1), status: 'ok' } }],
    damage,
  };
}

const failed = (files?: DamageFacts['files']): DamageFacts => ({ kind: 'repository', firstFailedAt: ago(30), failedAt: ago(2), error: 'borg check of /r found problems: Segment entry checksum mismatch', ...(files ? { files } : {}) });

describe('judgeFreshness with an open check failure', () => {
  it('is red for the host after a later night succeeded, saying what failed, when, the files and the next command', () => {
    const v = judgeFreshness(facts([failed({ archives: [{ name: 'web-20260310T040000Z', damaged: ['data/a.bin'] }], complete: true })]), now);
    expect(v.light).toBe('red');
    expect(v.backup.light).toBe('red');
    expect(statusExitCode([v])).toBe(1);
    expect(v.damage[0]!.reason).toBe(
      'web: DAMAGED repository: the repository check failed 2h ago (2026-03-10T05:00:00.000Z, failing since 2026-03-09T01:00:00.000Z): borg check of /r found problems: Segment entry checksum mismatch; unreadable files: web-20260310T040000Z: data/a.bin; next: pullback check --repair --host web (docs/operations.md, "Repairing a damaged repository"); it is resolved once pullback check --host web passes',
    );
    const [data, db] = v.sources;
    expect(data!.light).toBe('red');
    expect(data!.reason).toMatch(/^web\/data: DAMAGED: unreadable in the repository: data\/a\.bin \(web-20260310T040000Z\)/);
    // A complete search named files of data only: db's files all read back.
    expect(db!.light).toBe('green');
  });

  it('makes every source red when no file is named or the search was incomplete', () => {
    for (const files of [undefined, { archives: [{ name: 'a', damaged: ['data/x'] }], complete: false }]) {
      const v = judgeFreshness(facts([failed(files)]), now);
      expect(v.sources.map((s) => s.light)).toEqual(['red', 'red']);
      expect(v.sources[1]!.reason).toMatch(/^web\/db: DAMAGED repository: the repository check failed/);
    }
  });

  it('names the data check as what resolves a data failure', () => {
    const v = judgeFreshness(facts([{ ...failed(), kind: 'archives+data+repository' }]), now);
    expect(v.damage[0]!.reason).toMatch(/the archives, data, repository check failed .*resolved once pullback check --verify-data --host web passes$/);
  });

  it('is green without open failures', () => {
    expect(judgeFreshness(facts([]), now).light).toBe('green');
  });
});

describe('judgeFreshness after a repair zero-filled files', () => {
  const repairedAt = ago(3);
  const files = [{ path: 'data/a.bin', archives: 2, newest: 'web-20260310T040000Z' }];

  it('is AMBER (exit 0) for the host and the source whose files they are, naming them and what makes it green', () => {
    const v = judgeFreshness({ ...facts([]), repaired: [{ source: 'data', repairedAt, files }] }, now);
    expect(v.light).toBe('amber');
    expect(statusExitCode([v])).toBe(0);
    expect(v.backup).toMatchObject({ light: 'amber', reason: 'web: a repair zero-filled files in its archives (data); see below' });
    const [data, db] = v.sources;
    expect(data!.light).toBe('amber');
    expect(data!.reason).toBe(
      'web/data: ZERO-FILLED by a repair (pullback check --repair, 3h ago, 2026-03-10T04:00:00.000Z): data/a.bin (in 2 archive(s), newest web-20260310T040000Z); a restore of those archives refuses these files; green once a night archives data again and an archives check passes (pullback check --host web)',
    );
    expect(db!.light).toBe('green');
  });

  it('says the archive made since, waiting for its check; red stays red', () => {
    const rearchived = { archive: 'web-20260310T060000Z', at: ago(1) };
    const v = judgeFreshness({ ...facts([]), repaired: [{ source: 'data', repairedAt, files, rearchived }] }, now);
    expect(v.sources[0]!.reason).toMatch(/; archived again in web-20260310T060000Z; green once an archives check passes \(pullback check --host web\)$/);
    const red = judgeFreshness({ ...facts([failed()]), repaired: [{ source: 'data', repairedAt, files }] }, now);
    expect(red.sources[0]!.light).toBe('red');
  });

  it('files outside every source make the host amber with their own line', () => {
    const v = judgeFreshness({ ...facts([]), repaired: [{ repairedAt, files: [{ path: 'old/x', archives: 1, newest: 'a' }] }] }, now);
    expect(v.light).toBe('amber');
    expect(v.sources.map((s) => s.light)).toEqual(['green', 'green']);
    expect(v.repaired[0]!.reason).toMatch(/^web \(files outside every configured source\): ZERO-FILLED by a repair/);
  });
});
