import { describe, expect, it } from 'vitest';
import { buildSha256ManyArgv, buildStatManyArgv, parseSha256Many, parseStatMany, remoteBatches } from '../../../src/tools/ssh/remote-batch.js';

describe('remote batches', () => {
  it('builds NUL-separated stat and sha256sum argv', () => {
    expect(buildStatManyArgv(['/a b', '-x'])).toEqual(['stat', '--printf', '%s %Y %f %n\\0', '--', '/a b', '-x']);
    expect(buildSha256ManyArgv(['/a'])).toEqual(['sha256sum', '-z', '--', '/a']);
  });

  it('parses names with spaces and newlines', () => {
    const st = parseStatMany('12 1700000000 81a4 /x/a b\0' + '0 1700000001 41ed /x/new\nline\0');
    expect(st.get('/x/a b')).toEqual({ size: 12, mtimeSeconds: 1700000000, type: 'file', mode: 0o644 });
    expect(st.get('/x/new\nline')?.type).toBe('directory');
    const h = 'ab'.repeat(32);
    const sums = parseSha256Many(`${h}  /x/a b\0${h} */x/new\nline\0`);
    expect(sums.get('/x/a b')).toBe(h);
    expect(sums.get('/x/new\nline')).toBe(h);
  });

  it('splits long path lists', () => {
    const paths = Array.from({ length: 450 }, (_, i) => `/p/${i}`);
    const b = remoteBatches(paths);
    expect(b.map((x) => x.length)).toEqual([200, 200, 50]);
    expect(b.flat()).toEqual(paths);
    expect(remoteBatches(['x'.repeat(20000), 'y'.repeat(20000)])).toHaveLength(2);
  });
});
