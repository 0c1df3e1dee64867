// getfattr/stat argv and parsing for the drill's ACL and xattr comparison.
import { describe, expect, it } from 'vitest';
import { buildCtimeManyArgv, buildGetfattrArgv, getfattrFailures, parseCtimeMany, parseGetfattrDump, unquoteGetfattrName } from '../../../src/tools/attr/xattrs.js';

describe('getfattr', () => {
  it('dumps every attribute in hex without following symlinks, paths after --', () => {
    expect(buildGetfattrArgv(['/srv/a', '-b'])).toEqual(['getfattr', '--absolute-names', '--no-dereference', '--dump', '--match=-', '--encoding=hex', '--', '/srv/a', '-b']);
  });

  it('parses the dump per file, names unquoted, values lower-case hex', () => {
    const out = [
      '# file: /srv/f1',
      'system.posix_acl_access=0x0200000001000600FFFFFFFF',
      'user.k=0x760a78',
      '',
      '# file: /srv/n\\012l \\134 x',
      'security.capability=0x01',
      '',
    ].join('\n');
    const m = parseGetfattrDump(out);
    expect([...m.keys()]).toEqual(['/srv/f1', '/srv/n\nl \\ x']);
    expect(m.get('/srv/f1')).toEqual({ 'system.posix_acl_access': '0200000001000600ffffffff', 'user.k': '760a78' });
    expect(m.get('/srv/n\nl \\ x')).toEqual({ 'security.capability': '01' });
    expect(unquoteGetfattrName('caf\\303\\251')).toBe('café');
  });

  it('tells the files it failed on from the ones without attributes', () => {
    expect([...getfattrFailures(['getfattr: /srv/gone: No such file or directory'], ['/srv/gone', '/srv/plain'])]).toEqual(['/srv/gone']);
  });
});

describe('ctime', () => {
  it('prints ctime and name per path, NUL-separated, and parses it', () => {
    expect(buildCtimeManyArgv(['/a b'])).toEqual(['stat', '--printf', '%Z %n\\0', '--', '/a b']);
    expect([...parseCtimeMany('1700000000 /a b\0' + '12 /new\nline\0')]).toEqual([['/a b', 1700000000], ['/new\nline', 12]]);
  });
});
