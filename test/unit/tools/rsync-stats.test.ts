// Parsing rsync's --stats block line by line, from a canned block and from a real local rsync.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { RsyncStatsCollector } from '../../../src/tools/rsync/stats.js';
import { makeTempDir } from '../../harness/index.js';

const BLOCK = `
Number of files: 2,234 (reg: 1,000, dir: 232, dev: 1,001, special: 1)
Number of created files: 4 (reg: 3, dir: 1)
Number of deleted files: 2 (reg: 2)
Number of regular files transferred: 3
Total file size: 98,765,432 bytes
Total transferred file size: 5005 bytes
Literal data: 5005 bytes
Matched data: 0 bytes
Total bytes sent: 68
Total bytes received: 5255

sent 68 bytes  received 5255 bytes  10646.00 bytes/sec
total size is 98765432  speedup is 0.94`;

describe('RsyncStatsCollector', () => {
  it('reads every field, with or without thousands separators', () => {
    const c = new RsyncStatsCollector();
    for (const l of BLOCK.split('\n')) c.push(l);
    expect(c.stats).toEqual({
      files: 2234,
      filesTransferred: 3,
      totalSize: 98765432,
      transferredSize: 5005,
      bytesReceived: 5255,
      bytesSent: 68,
      deleted: 2,
      devices: 1001,
    });
  });

  it('stays at zero on unrelated lines', () => {
    const c = new RsyncStatsCollector();
    c.push('sending incremental file list');
    c.push('Number of files: lots');
    expect(c.stats.filesTransferred).toBe(0);
    expect(c.stats.files).toBe(0);
  });

  it('matches what a real rsync reports for a pull of two files, then of one change', async () => {
    const root = makeTempDir('rsync-stats-');
    const [src, dst] = [join(root, 'src'), join(root, 'dst')];
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'a'), 'x'.repeat(3000));
    writeFileSync(join(src, 'sub', 'b'), 'y'.repeat(2000));
    const pull = async () => {
      const c = new RsyncStatsCollector();
      const r = await execa('rsync', ['-a', '--delete', '--stats', '--no-human-readable', `${src}/`, `${dst}/`], { env: { LC_ALL: 'C.UTF-8' } });
      for (const l of r.stdout.split('\n')) c.push(l);
      return c.stats;
    };
    const first = await pull();
    expect(first).toMatchObject({ files: 4, filesTransferred: 2, totalSize: 5000, transferredSize: 5000, deleted: 0 });
    writeFileSync(join(src, 'a'), 'z'.repeat(10));
    const second = await pull();
    expect(second).toMatchObject({ files: 4, filesTransferred: 1, totalSize: 2010, transferredSize: 10 });
  });
});
