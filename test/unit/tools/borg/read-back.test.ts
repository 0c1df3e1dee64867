import { describe, expect, it } from 'vitest';
import { buildReadBackArgs, parseReadBack } from '../../../../src/tools/borg/read-back.js';
import { buildRepairArgs, parseHealedLines, parseRepairLines } from '../../../../src/tools/borg/repair.js';

describe('read-back (borg extract --dry-run --list)', () => {
  it('builds the argv, leaving out the files already found as exact patterns', () => {
    expect(buildReadBackArgs('/r', 'a1', ['data/x y', '-odd'])).toEqual(['extract', '--lock-wait', '2', '--dry-run', '--list', '--pattern=-pf:data/x y', '--pattern=-pf:-odd', '/r::a1']);
  });

  it('names the file borg stopped at (the last listed before the integrity error), not the traceback', () => {
    const lines = ['data', 'data/f1.bin', 'data/f3.bin', 'Data integrity error: Segment entry checksum mismatch [segment 2, offset 600176]', 'Traceback (most recent call last):', '  File "x", line 1', 'borg.helpers.errors.IntegrityError: Data integrity error: ...', '', 'Platform: Linux', 'PID: 1  CWD: /tmp'];
    expect(parseReadBack(lines, 2)).toEqual({ stoppedAt: 'data/f3.bin', reason: 'Data integrity error: Segment entry checksum mismatch [segment 2, offset 600176]', zeroed: [], finished: false });
  });

  it('reads to the end with zeroed files as warnings; fails without a name for other errors', () => {
    expect(parseReadBack(['data', 'data/a', 'data/a: File has damaged (all-zero) chunks. Try running borg check --repair.'], 1)).toEqual({ zeroed: ['data/a'], finished: true });
    expect(parseReadBack(['Repository /r does not exist.'], 2)).toEqual({ zeroed: [], finished: false, error: 'Repository /r does not exist.' });
  });
});

describe('repair (borg check --repair)', () => {
  it('builds the argv and reads the files borg gave zero chunks', () => {
    expect(buildRepairArgs('/r', true)).toEqual(['check', '--lock-wait', '2', '--repair', '--info', '--verify-data', '/r']);
    expect(buildRepairArgs('/r', false)).toEqual(['check', '--lock-wait', '2', '--repair', '--info', '/r']);
    const l = 'main-20260101T000000Z: data/blob 1.bin: New missing file chunk detected (Byte 0-700000, Chunk 4320828977b8db0a). Replacing with all-zero chunk.';
    expect(parseRepairLines([l, l, 'Starting archive consistency check...'])).toEqual([{ archive: 'main-20260101T000000Z', path: 'data/blob 1.bin' }]);
  });

  it('reads the files a later repair healed completely (not those with chunks still missing)', () => {
    const healed = 'main-20260101T000000Z: data/blob 1.bin: Completely healed previously damaged file!';
    const still = 'main-20260101T000000Z: data/b: Previously missing file chunk is still missing (Byte 0-9, Chunk 43). It has an all-zero replacement chunk already.';
    expect(parseHealedLines([healed, still, healed])).toEqual([{ archive: 'main-20260101T000000Z', path: 'data/blob 1.bin' }]);
    expect(parseRepairLines([healed, still])).toEqual([]);
  });
});
