// rsync's exit 23 is classified from everything it said, not from the first lines of it.
import { describe, expect, it } from 'vitest';
import { classifyRsyncExit } from '../../../src/tools/rsync/exit-codes.js';
import { RsyncStderrTally, SAMPLE_LINES, sourceMissing } from '../../../src/tools/rsync/stderr-tally.js';

const SUMMARY_23 = 'rsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1338) [generator=3.2.7]';
const DENIED = 'rsync: [sender] send_files failed to open "/srv/data/secret": Permission denied (13)';
const vanished = (n: number) => Array.from({ length: n }, (_, i) => `file has vanished: "/srv/data/tmp/upload-${i}.part"`);

describe('RsyncStderrTally', () => {
  it('counts every line by kind and keeps a bounded sample of each', () => {
    const t = new RsyncStderrTally([...vanished(5000), DENIED, '', SUMMARY_23]);
    expect(t.counts).toEqual({ vanished: 5000, changed: 0, error: 1, summary: 2 });
    expect(t.samples.vanished).toHaveLength(SAMPLE_LINES);
    expect(t.samples.error).toEqual([DENIED]);
    expect(t.lines().length).toBeLessThanOrEqual(2 * SAMPLE_LINES);
    expect(t.lines().at(-1)).toBe(SUMMARY_23);
  });

  it('keeps every line once when there are few', () => {
    const lines = ['a', 'b', 'c'];
    expect(new RsyncStderrTally(lines).lines()).toEqual(lines);
  });
});

describe('classifyRsyncExit on a flood of stderr', () => {
  it('fails exit 23 when a permission error follows more than 1,000 vanished lines', () => {
    const t = new RsyncStderrTally();
    for (const l of [...vanished(1500), DENIED, SUMMARY_23]) t.push(l);
    const v = classifyRsyncExit(23, t);
    expect(v.kind).toBe('failed');
    expect(v).toMatchObject({ reason: expect.stringContaining('Permission denied (13)') });
    expect(v).toMatchObject({ reason: expect.stringContaining('1500 vanished file(s)') });
  });

  it('the same lines given as an array are classified the same', () => {
    expect(classifyRsyncExit(23, [...vanished(1500), DENIED, SUMMARY_23]).kind).toBe('failed');
  });

  it('is a warning counting the files when every line is a vanished file', () => {
    expect(classifyRsyncExit(23, new RsyncStderrTally([...vanished(1500), SUMMARY_23]))).toEqual({
      kind: 'warning',
      reason: '1500 file(s) vanished during the transfer (rsync exit 23)',
    });
  });

  it('counts the error lines beyond the first', () => {
    const v = classifyRsyncExit(23, new RsyncStderrTally([DENIED, DENIED.replace('secret', 'other'), SUMMARY_23]));
    expect(v).toMatchObject({ kind: 'failed', reason: expect.stringContaining('2 error line(s) in all') });
  });

  it('is a warning when files shrank while being read (ENODATA, set by rsync on a short read), an error for a real read error', () => {
    const shrank = 'rsync: [sender] read errors mapping "/srv/data/app.log": No data available (61)';
    expect(classifyRsyncExit(23, [...vanished(2), shrank, SUMMARY_23])).toEqual({
      kind: 'warning',
      reason: 'files changed during the transfer: 2 vanished file(s) and 1 file(s) that shrank while being read (sent again from their new state) (rsync exit 23)',
    });
    const eio = 'rsync: [sender] read errors mapping "/srv/data/app.log": Input/output error (5)';
    expect(classifyRsyncExit(23, [shrank, eio, SUMMARY_23])).toMatchObject({ kind: 'failed', reason: expect.stringContaining('Input/output error (5)') });
    const discarded = 'ERROR: app.log failed verification -- update discarded.';
    expect(classifyRsyncExit(23, [shrank, discarded, SUMMARY_23]).kind).toBe('failed');
  });
});

describe('sourceMissing', () => {
  const tally = (lines: string[]) => new RsyncStderrTally(lines);

  it("reads rsync's own words and pullback-gate's refusal of a path that does not exist", () => {
    expect(sourceMissing(tally(['rsync: [sender] change_dir "/srv/data" failed: No such file or directory (2)']))).toBe(true);
    expect(sourceMissing(tally(["pullback-gate: refused: '/srv/data' does not exist", 'rsync: connection unexpectedly closed (0 bytes received so far) [Receiver]']))).toBe(true);
    expect(sourceMissing(tally(['pullback-gate: refused: "/srv/it\'s" does not exist']))).toBe(true);
  });

  it('not a file vanishing below it, nor another refusal of the gate', () => {
    expect(sourceMissing(tally(['file has vanished: "/srv/data/x"']))).toBe(false);
    expect(sourceMissing(tally(["pullback-gate: refused: '/srv/data' is not a directory"]))).toBe(false);
    expect(sourceMissing(tally(["pullback-gate: refused: '/srv/data' is a symlink or lies below one (it leads to '/etc' now)"]))).toBe(false);
  });
});
