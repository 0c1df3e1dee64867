// rsync's --info=progress2 lines: parsed for the bar, never taken for statistics; from canned lines
// and from a real local rsync whose output the exec layer splits (on \r as well as \n).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../../src/exec/run.js';
import { parseRsyncProgress, type RsyncProgress } from '../../../src/tools/rsync/progress.js';
import { RsyncStatsCollector } from '../../../src/tools/rsync/stats.js';
import { makeTempDir } from '../../harness/index.js';

describe('parseRsyncProgress', () => {
  it('reads bytes, percentage, files transferred and files to check', () => {
    expect(parseRsyncProgress('      1048576  42%   10.00MB/s    0:00:01 (xfr#3, to-chk=5/12)')).toEqual({ bytes: 1048576, percent: 42, files: 3, toCheck: 5, total: 12 });
    expect(parseRsyncProgress('  1,048,576 100%  999.02kB/s    0:00:01 (xfr#1, ir-chk=1000/1002)')).toEqual({ bytes: 1048576, percent: 100, files: 1, toCheck: 1000, total: 1002 });
    expect(parseRsyncProgress('              0   0%    0.00kB/s    0:00:00')).toEqual({ bytes: 0, percent: 0 });
  });

  it('ignores stats, file names and blank lines', () => {
    for (const l of ['Number of files: 1,234 (reg: 1,000, dir: 234)', 'Total bytes sent: 68', 'sub/file 42% done', '', 'sent 68 bytes  received 5255 bytes  10646.00 bytes/sec', '12  34']) {
      expect(parseRsyncProgress(l), l).toBeUndefined();
    }
  });

  it('gives the same stats with --info=progress2 as without, and progress that reaches 100%', async () => {
    const root = makeTempDir('rsync-progress-');
    const src = join(root, 'src');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'a'), 'x'.repeat(300_000));
    writeFileSync(join(src, 'sub', 'b'), 'y'.repeat(200_000));
    const pull = async (dst: string, progress: boolean) => {
      const c = new RsyncStatsCollector();
      const seen: RsyncProgress[] = [];
      const flags = ['-a', '--delete', '--stats', '--no-human-readable', ...(progress ? ['--info=progress2'] : [])];
      const r = await runCommand('rsync', [...flags, `${src}/`, `${join(root, dst)}/`], {
        env: { LC_ALL: 'C.UTF-8' },
        onStdoutLine: (l) => {
          const p = parseRsyncProgress(l);
          if (p) seen.push(p);
          c.push(l);
        },
      });
      expect(r.exitCode).toBe(0);
      return { stats: c.stats, seen };
    };
    const plain = await pull('plain', false);
    const withProgress = await pull('progress', true);
    expect(plain.seen).toEqual([]);
    expect(withProgress.stats).toEqual({ ...plain.stats, bytesSent: withProgress.stats.bytesSent, bytesReceived: withProgress.stats.bytesReceived });
    expect(withProgress.stats).toMatchObject({ files: 4, filesTransferred: 2, totalSize: 500_000 });
    expect(withProgress.seen.length).toBeGreaterThan(0);
    expect(withProgress.seen.at(-1)).toMatchObject({ bytes: 500_000, percent: 100, files: 2 });
  });
});
