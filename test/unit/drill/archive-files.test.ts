import { describe, expect, it } from 'vitest';
import { batches, damageDescription, describeBorgFailure } from '../../../src/drill/archive-files.js';
import { ToolError } from '../../../src/errors.js';

// The tail of what borg 1.2.4 prints when a chunk fails its checksum (20 lines kept).
const TAIL = [
  '  File "/usr/lib/python3/dist-packages/borg/repository.py", line 1611, in _read',
  "    raise IntegrityError('Segment entry checksum mismatch [segment {}, offset {}]'.format(",
  'borg.helpers.errors.IntegrityError: Data integrity error: Segment entry checksum mismatch [segment 6, offset 8]',
  '',
  'Platform: Linux vm 6.18.44 #1 SMP PREEMPT_DYNAMIC @0 x86_64',
  "sys.argv: ['/usr/bin/borg', 'extract', 'repo::a', 'data/big.bin']",
  'SSH_ORIGINAL_COMMAND: None',
];

const err = (tail: string[]) =>
  new ToolError('borg extract a: exited 2: SSH_ORIGINAL_COMMAND: None', { command: 'borg extract', exitCode: 2, timedOut: false, durationMs: 1, stderrTail: tail });

describe('drill archive reading', () => {
  it("names borg's damage, not the traceback's last line", () => {
    expect(damageDescription(err(TAIL))).toBe('Data integrity error: Segment entry checksum mismatch [segment 6, offset 8]');
    expect(describeBorgFailure(err(TAIL))).toBe(
      'the repository is damaged: Data integrity error: Segment entry checksum mismatch [segment 6, offset 8] (borg extract a: failed)',
    );
    expect(describeBorgFailure(err(['Repository /x does not exist.']))).toBe('borg extract a: exited 2: SSH_ORIGINAL_COMMAND: None');
    expect(describeBorgFailure(err(['Failed to create/acquire the lock']))).toBe('borg extract a: exited 2: SSH_ORIGINAL_COMMAND: None');
  });

  it('splits paths into argv-sized batches', () => {
    const paths = Array.from({ length: 1200 }, (_, i) => `data/${i}`);
    expect(batches(paths).map((b) => b.length)).toEqual([500, 500, 200]);
    expect(batches(['a'.repeat(40_000), 'b'.repeat(40_000)])).toHaveLength(2);
  });
});
