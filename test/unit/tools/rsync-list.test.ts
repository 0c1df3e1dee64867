// Parsing `rsync --list-only --no-human-readable` lines (C locale: names escaped as \#ooo).
import { describe, expect, it } from 'vitest';
import { decodeRsyncName, parseListLine } from '../../../src/tools/rsync/list.js';

describe('parseListLine', () => {
  it('reads type, size and the decoded name', () => {
    expect(parseListLine('-rw-r--r--           1 2026/12/01 21:08:53 d/bad\\#377name')).toEqual({ type: '-', size: 1, mtime: '2026/12/01 21:08:53', name: Buffer.from([0x64, 0x2f, 0x62, 0x61, 0x64, 0xff, 0x6e, 0x61, 0x6d, 0x65]) });
    expect(parseListLine('drwxr-xr-x        4096 2026/12/01 21:09:12 .')).toMatchObject({ type: 'd', size: 4096, name: Buffer.from('.') });
    expect(parseListLine('lrwxrwxrwx          20 2026/12/01 21:09:12 with space -> x')?.name.toString()).toBe('with space -> x');
    expect(parseListLine('prw-r--r--           0 2026/12/01 21:09:12 d/ff')?.type).toBe('p');
    expect(parseListLine('')).toBeUndefined();
    expect(parseListLine('receiving incremental file list')).toBeUndefined();
  });
});

describe('decodeRsyncName', () => {
  it('turns \\#ooo escapes into bytes (newline, backslash before #, UTF-8) and keeps the rest', () => {
    expect(decodeRsyncName('new\\#012line').toString()).toBe('new\nline');
    expect(decodeRsyncName('back\\#134#012slash').toString()).toBe('back\\#012slash');
    expect(decodeRsyncName('caf\\#303\\#251').toString()).toBe('café');
    expect(decodeRsyncName('plain\\x').toString()).toBe('plain\\x');
  });
});
