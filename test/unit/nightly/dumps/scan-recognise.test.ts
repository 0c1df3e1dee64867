// Which files of a cron-filled dump directory count as dumps: by format, compression or pattern;
// everything else is listed with the reason, never counted.
import { execFileSync } from 'node:child_process';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { scanDumpDir } from '../../../../src/nightly/dumps/scan.js';
import { buildDecompressArgs, compressionOf } from '../../../../src/tools/compress/decompress.js';
import { makeTempDir } from '../../../harness/index.js';

const SQL = '--\n-- PostgreSQL database dump\n--\nselect 1;\n-- PostgreSQL database dump complete\n';

describe('scanDumpDir', () => {
  const dir = makeTempDir('scan-recognise');
  writeFileSync(join(dir, 'app.sql'), SQL);
  writeFileSync(join(dir, 'dump.log'), 'dump finished\n');
  writeFileSync(join(dir, 'README'), 'dumps go here\n');
  writeFileSync(join(dir, 'app.sql.gz'), gzipSync(SQL));
  mkdirSync(join(dir, 'old'));
  writeFileSync(join(dir, 'old', 'x.bak'), 'binary?');
  const old = new Date('2020-01-01T00:00:00Z');
  utimesSync(join(dir, 'app.sql'), old, old);

  it('counts files of a known format or compression, lists the others with the reason', () => {
    const s = scanDumpDir(dir);
    expect(s.candidates.map((c) => [c.rel, c.kind?.format, c.compression])).toEqual([
      ['app.sql.gz', undefined, 'gzip'],
      ['app.sql', 'sql', undefined],
    ]);
    expect(s.unrecognised.map((u) => u.rel)).toEqual(['README', 'dump.log', 'old/x.bak']);
    expect(s.unrecognised[0]!.reason).toMatch(/^not a dump: its format is not recognised/);
  });

  it('with a pattern, counts exactly the files matching it', () => {
    const s = scanDumpDir(dir, '*.bak');
    expect(s.candidates.map((c) => [c.rel, c.matched])).toEqual([['old/x.bak', true]]);
    expect(s.unrecognised.map((u) => u.rel).sort()).toEqual(['README', 'app.sql', 'app.sql.gz', 'dump.log']);
    expect(s.unrecognised[0]!.reason).toBe('does not match the source\'s pattern "*.bak"');
  });
});

describe('compression', () => {
  it('is known by its magic bytes', () => {
    expect(compressionOf(gzipSync('x'))).toBe('gzip');
    expect(compressionOf(execFileSync('zstd', ['-q', '-c'], { input: 'x' }))).toBe('zstd');
    expect(compressionOf(execFileSync('xz', ['-c'], { input: 'x' }))).toBe('xz');
    expect(compressionOf(execFileSync('bzip2', ['-c'], { input: 'x' }))).toBe('bzip2');
    expect(compressionOf(Buffer.from('-- PostgreSQL'))).toBeUndefined();
    expect(compressionOf(Buffer.alloc(0))).toBeUndefined();
  });

  it('is read whole by its own tool, file after --', () => {
    expect(buildDecompressArgs('gzip', '-x.gz')).toEqual(['gzip', '--decompress', '--stdout', '--', '-x.gz']);
    expect(buildDecompressArgs('zstd', 'a.zst')).toEqual(['zstd', '--decompress', '--stdout', '--quiet', '--', 'a.zst']);
    expect(buildDecompressArgs('xz', 'a.xz')).toEqual(['xz', '--decompress', '--stdout', '--', 'a.xz']);
    expect(buildDecompressArgs('bzip2', 'a.bz2')).toEqual(['bzip2', '--decompress', '--stdout', '--', 'a.bz2']);
  });
});
