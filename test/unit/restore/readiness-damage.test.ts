// The readiness items of a damaged repository: a recorded failed check (overridden only by --force,
// a warning for a rollback) and the read back of every chunk restored (never overridden).
import { describe, expect, it } from 'vitest';
import { readinessVerdict, type ChunkFact, type ReadinessFacts } from '../../../src/restore/readiness-verdict.js';

const facts = (over: Partial<ReadinessFacts> = {}): ReadinessFacts => ({
  now: new Date('2024-01-03T00:00:00Z'),
  archiveCheck: { archive: 'main-1', ok: true, detail: 'no problems' },
  space: [],
  writable: [],
  databases: [],
  ...over,
});
const read: ChunkFact = { archive: 'main-1', how: 'borg extract --dry-run of exactly the paths restored', ok: true, damaged: [], complete: true, durationMs: 1234 };
const item = (f: ReadinessFacts, prefix: string) => readinessVerdict(f).items.find((i) => i.name.startsWith(prefix))!;

describe('readiness of a damaged repository', () => {
  it('a failed check with no passing one after it FAILs, names it, and says how to go on', () => {
    const failed = [{ kind: 'repository', at: '2024-01-02T22:10:00Z' }];
    const v = readinessVerdict(facts({ checkHistory: { repository: '/r', failed } }));
    expect(v.ok).toBe(false);
    const i = item(facts({ checkHistory: { repository: '/r', failed } }), 'recorded checks');
    expect(i.status).toBe('fail');
    expect(i.figure).toMatch(/^repository check failed at 2024-01-02T22:10:00Z, and none of its kind has passed since: the repository is damaged .*--force$/);
    expect(item(facts({ checkHistory: { repository: '/r', failed, override: 'force' } }), 'recorded').status).toBe('overridden');
    expect(item(facts({ checkHistory: { repository: '/r', failed, override: 'rollback' } }), 'recorded').status).toBe('warn');
    expect(item(facts({ checkHistory: { repository: '/r', failed: [] } }), 'recorded').status).toBe('pass');
  });

  it('unreadable chunks FAIL naming the files, whatever --force says', () => {
    const bad = { ...read, ok: false, damaged: ['blobs/a.bin', 'data/b'], complete: false, error: 'Data integrity error: Segment entry checksum mismatch [segment 2, offset 9]' };
    const v = readinessVerdict(facts({ chunks: bad, checkHistory: { repository: '/r', failed: [], override: 'force' } }));
    expect(v.ok).toBe(false);
    expect(item(facts({ chunks: bad }), 'every chunk')).toEqual({
      name: 'every chunk of what is restored from main-1',
      status: 'fail',
      figure: 'UNREADABLE in the repository: blobs/a.bin, data/b (and possibly more: borg stops at the first unreadable chunk); borg: Data integrity error: Segment entry checksum mismatch [segment 2, offset 9]',
    });
    expect(item(facts({ chunks: read }), 'every chunk')).toMatchObject({ status: 'pass', figure: 'read and verified (borg extract --dry-run of exactly the paths restored, 1.2 s)' });
    expect(item(facts({ chunks: { ...read, ok: false, error: 'borg extract --dry-run of main-1 failed' } }), 'every chunk').figure).toMatch(/^cannot be read/);
  });
});
