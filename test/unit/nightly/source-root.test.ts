// The source root look's pure parts and the measure of what a failed borg write left in a
// repository (uncommitted segments above the last commit).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rootPath, symlinkRefusal } from '../../../src/nightly/source-root.js';
import { uncommittedSegments } from '../../../src/nightly/disk-preflight.js';
import { makeTempDir } from '../../harness/index.js';

const host = { name: 'main', file: '/etc/pullback/hosts/main.yaml' } as never;
const source = { name: 'data', path: '/srv/data/' } as never;

describe('the source root', () => {
  it('is the configured path without trailing slashes; "/" stays "/"', () => {
    expect(rootPath('/srv/data/')).toBe('/srv/data');
    expect(rootPath('/srv/data')).toBe('/srv/data');
    expect(rootPath('/')).toBe('/');
  });

  it('a symlinked root is refused with its target, what was (not) done, and what to do', () => {
    expect(symlinkRefusal({ host }, source, '/etc', false)).toBe(
      'source data: /srv/data is now a symbolic link to /etc on main; nothing was pulled and the mirror was left untouched ' +
        "(its last good state, if it has one, is what is archived). If this is not intended, put the directory back on the server. " +
        "If it is, set the source's path in /etc/pullback/hosts/main.yaml to the real directory (/etc) and run: pullback run --host main",
    );
    expect(symlinkRefusal({ host }, source, '/etc', true)).toMatch(/^source data: \/srv\/data is now a symbolic link \(or lies below one\) to \/etc on main, and the restricted pull key's pullback-gate refused it; nothing was pulled/);
    expect(symlinkRefusal({ host }, source, undefined, false)).toMatch(/^source data: \/srv\/data is now a symbolic link on main; .*to the real directory and run/);
  });
});

describe('uncommittedSegments', () => {
  it('counts the segment files above the last commit (index.N), none in a repository without an index', () => {
    const repo = makeTempDir('uncommitted-');
    mkdirSync(join(repo, 'data', '0'), { recursive: true });
    for (const [seg, size] of [['1', 10], ['3', 20], ['4', 300], ['5', 5]] as const) writeFileSync(join(repo, 'data', '0', seg), Buffer.alloc(size));
    expect(uncommittedSegments(repo)).toEqual({ segments: 0, bytes: 0 });
    writeFileSync(join(repo, 'index.1'), '');
    writeFileSync(join(repo, 'index.3'), '');
    writeFileSync(join(repo, 'hints.3'), '');
    expect(uncommittedSegments(repo)).toEqual({ segments: 2, bytes: 305 });
    expect(uncommittedSegments(join(repo, 'nothing-here'))).toEqual({ segments: 0, bytes: 0 });
  });
});
