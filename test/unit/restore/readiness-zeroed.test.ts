// The readiness item of files a repair zero-filled in the archive restored (recorded in the catalog
// by `check --repair`, or marked broken by borg in the archive's listing): FAIL naming each file and
// the newest archive that holds it whole, never overridden; PASS saying what was looked at.
import { describe, expect, it } from 'vitest';
import { readinessVerdict, type ReadinessFacts, type ZeroedFact } from '../../../src/restore/readiness-verdict.js';

const facts = (zeroed: ZeroedFact): ReadinessFacts => ({
  now: new Date('2024-01-03T00:00:00Z'),
  archiveCheck: { archive: 'main-2', ok: true },
  checkHistory: { repository: '/r', failed: [], override: 'force' },
  zeroed,
  space: [],
  writable: [],
  databases: [],
});
const item = (z: ZeroedFact) => readinessVerdict(facts(z)).items.find((i) => i.name.startsWith('no file zero-filled'))!;
const base = { archive: 'main-2', host: 'main', brokenInArchive: 0 };

describe('readiness: files a repair zero-filled', () => {
  it('FAILs naming each file, the repair, and the archive that holds it whole, even with --force', () => {
    const z: ZeroedFact = {
      ...base,
      brokenInArchive: 2,
      files: [
        { path: 'data/a.bin', repairedAt: '2024-01-02T10:00:00.000Z', broken: true, wholeIn: 'main-3' },
        { path: 'data/b.bin', repairedAt: '2024-01-02T10:00:00.000Z', broken: true },
        { path: 'blobs/c', broken: true, wholeIn: 'main-1' },
      ],
    };
    expect(readinessVerdict(facts(z)).ok).toBe(false);
    expect(item(z)).toEqual({
      name: 'no file zero-filled by a repair in main-2',
      status: 'fail',
      figure:
        'ZERO-FILLED by pullback check --repair at 2024-01-02T10:00:00.000Z: data/a.bin (whole in main-3: pullback restore --host main --archive main-3), data/b.bin (no archive holds it whole); ' +
        'borg marks broken (all-zero replacement chunks): blobs/c (whole in main-1: pullback restore --host main --archive main-1); ' +
        'the restore would push zeros over these files: restore them from another archive (--archive), or leave their source out (--only)',
    });
  });

  it('says when looking for a whole copy failed', () => {
    expect(item({ ...base, files: [{ path: 'data/a', repairedAt: 't', broken: false }], searchError: 'borg list of main-1: lock timeout' }).figure).toContain('(no archive holds it whole); looking for a whole copy failed: borg list of main-1: lock timeout;');
  });

  it('PASSes when no file restored is zero-filled, saying so of the rest of the archive', () => {
    expect(item({ ...base, files: [] })).toMatchObject({ status: 'pass', figure: 'none recorded by a repair, none marked broken by borg' });
    expect(item({ ...base, brokenInArchive: 3, files: [] })).toMatchObject({ status: 'pass', figure: 'none of the files restored (borg marks 3 other item(s) of the archive broken)' });
  });
});
