// Restore path safety and the dependency order.
import { describe, expect, it } from 'vitest';
import { safeTargetPath, selfAndParents, unsafeRelativePath, unsafeTargetPath } from '../../../src/restore/paths.js';
import { restoreOrder, selectOnly } from '../../../src/restore/order.js';

describe('target paths', () => {
  it('accepts absolute normal paths and strips a trailing slash', () => {
    expect(unsafeTargetPath('/srv/data')).toBeUndefined();
    expect(safeTargetPath('/srv/data/')).toBe('/srv/data');
    expect(unsafeTargetPath('/srv/with space/é')).toBeUndefined();
  });
  it('refuses relative, root, dot segments, doubled slashes and NUL', () => {
    expect(unsafeTargetPath('srv')).toBe('is not absolute');
    expect(unsafeTargetPath('/')).toBe('is the root directory');
    expect(unsafeTargetPath('/srv/../etc')).toContain('".."');
    expect(unsafeTargetPath('/srv/./x')).toContain('".."');
    expect(unsafeTargetPath('/srv//x')).toBe('is not normalized');
    expect(unsafeTargetPath('/a\0b')).toContain('NUL');
    expect(() => safeTargetPath('/x/..')).toThrow(/segments/);
  });
  it('refuses archive-relative paths that escape', () => {
    expect(unsafeRelativePath('app.pgdump')).toBeUndefined();
    expect(unsafeRelativePath('sub/app.pgdump')).toBeUndefined();
    for (const p of ['../x', '/etc/passwd', 'a/../../b', '', 'a//b', './a']) expect(unsafeRelativePath(p), p).toBeDefined();
  });
  it('lists a path and its parents', () => {
    expect(selfAndParents('/a/b/c')).toEqual(['/a/b/c', '/a/b', '/a', '/']);
  });
});

describe('restore order', () => {
  it('puts databases first, then blobs, then data, stable within a kind', () => {
    const items = [
      { name: 'd1', kind: 'data' as const },
      { name: 'b1', kind: 'blobs' as const },
      { name: 'db1', kind: 'database' as const },
      { name: 'd2', kind: 'data' as const },
      { name: 'db2', kind: 'database' as const },
    ];
    expect(restoreOrder(items).map((i) => i.name)).toEqual(['db1', 'db2', 'b1', 'd1', 'd2']);
    expect(selectOnly(items, ['data', 'b1']).selected.map((i) => i.name)).toEqual(['d1', 'b1', 'd2']);
    expect(selectOnly(items, ['db', 'x']).unknown).toEqual(['x']);
  });
});
