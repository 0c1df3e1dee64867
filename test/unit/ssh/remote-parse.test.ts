import { describe, expect, it } from 'vitest';
import { gateLinkedRoot, parseDfAvailableKib, parseStatLine } from '../../../src/tools/ssh/remote.js';

describe('parseDfAvailableKib', () => {
  it('reads the Available column of df -Pk', () => {
    const out = [
      'Filesystem     1024-blocks      Used Available Capacity Mounted on',
      '/dev/sda1         41152736  12345678  26693564      32% /',
      '',
    ].join('\n');
    expect(parseDfAvailableKib(out)).toBe(26693564);
  });

  it('copes with spaces in the filesystem name and mount point', () => {
    const out = 'Filesystem 1024-blocks Used Available Capacity Mounted on\nmy fs 100 40 60 40% /mnt/my disk\n';
    expect(parseDfAvailableKib(out)).toBe(60);
  });

  it('gives undefined for anything else', () => {
    expect(parseDfAvailableKib('')).toBeUndefined();
    expect(parseDfAvailableKib('df: /nope: No such file or directory\n')).toBeUndefined();
  });
});

describe('parseStatLine', () => {
  it('reads size, mtime, type and mode', () => {
    expect(parseStatLine('1234 1700000000 81a4\n')).toEqual({
      size: 1234,
      mtimeSeconds: 1700000000,
      type: 'file',
      mode: 0o644,
    });
    expect(parseStatLine('4096 1700000000 41ed\n')?.type).toBe('directory');
    expect(parseStatLine('7 1700000000 a1ff\n')?.type).toBe('symlink');
    expect(parseStatLine('0 1700000000 2190\n')?.type).toBe('other');
  });

  it('gives undefined for unexpected output', () => {
    expect(parseStatLine('')).toBeUndefined();
    expect(parseStatLine('12 x 81a4\n')).toBeUndefined();
  });
});

describe('gateLinkedRoot', () => {
  it("reads the root and where it leads from pullback-gate's refusal (Python repr: either quote)", () => {
    const line = (root: string, to: string) => `pullback-gate: refused: ${root} is a symlink or lies below one (it leads to ${to} now): the allowed path ${root} must be a real directory`;
    expect(gateLinkedRoot(['pullback-pid 12', line("'/srv/data dir'", "'/etc'")])).toEqual({ root: '/srv/data dir', to: '/etc' });
    expect(gateLinkedRoot([line(`"/srv/it's"`, "'/mnt/x'")])).toEqual({ root: "/srv/it's", to: '/mnt/x' });
    expect(gateLinkedRoot(["pullback-gate: refused: '/x' is outside the allowed paths"])).toBeUndefined();
  });
});
