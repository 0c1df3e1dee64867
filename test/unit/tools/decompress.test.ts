// Decompressing a dump into a file: the name it gets, and a real gzip/zstd stream written whole
// (binary bytes intact) or refused when cut short.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decompressedName, decompressToFile } from '../../../src/tools/compress/decompress.js';

describe('decompressedName', () => {
  it('drops the compression suffix, else adds .decompressed', () => {
    expect(decompressedName('dumps/app.sql.gz')).toBe('dumps/app.sql');
    expect(decompressedName('app.pgdump.zst')).toBe('app.pgdump');
    expect(decompressedName('a.XZ')).toBe('a');
    expect(decompressedName('app.sql')).toBe('app.sql.decompressed');
    expect(decompressedName('.gz')).toBe('.gz.decompressed');
  });
});

describe('decompressToFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-decompress-'));
  const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 256));

  it('writes the whole binary content (gzip and zstd)', async () => {
    writeFileSync(join(dir, 'a.gz'), gzipSync(bytes));
    expect(await decompressToFile('gzip', join(dir, 'a.gz'), join(dir, 'a'))).toBeUndefined();
    expect(readFileSync(join(dir, 'a')).equals(bytes)).toBe(true);
    writeFileSync(join(dir, 'b.zst'), execFileSync('zstd', ['-q', '-c'], { input: bytes }));
    expect(await decompressToFile('zstd', join(dir, 'b.zst'), join(dir, 'b'))).toBeUndefined();
    expect(readFileSync(join(dir, 'b')).equals(bytes)).toBe(true);
  });

  it('says why a stream cut short cannot be read, and leaves no partial file', async () => {
    const gz = gzipSync(bytes);
    writeFileSync(join(dir, 'c.gz'), gz.subarray(0, gz.length - 100));
    expect(await decompressToFile('gzip', join(dir, 'c.gz'), join(dir, 'c'))).toMatch(/^gzip cannot read it whole \(exit 1\).*truncated or damaged$/);
    expect(existsSync(join(dir, 'c'))).toBe(false);
  });
});
