// Exact argv of borg list of an archive's items.
import { describe, expect, it } from 'vitest';
import { buildListItemsArgs } from '../../../../src/tools/borg/list-items.js';

const LW = ['--lock-wait', '2'];

describe('listing items', () => {
  it('buildListItemsArgs streams JSON lines, with hashes and paths when asked', () => {
    expect(buildListItemsArgs('/r', 'a')).toEqual(['list', ...LW, '--json-lines', '/r::a']);
    expect(buildListItemsArgs('/r', 'a', true, { prefix: ['db', '-x'] })).toEqual([
      'list', ...LW, '--json-lines', '--format', '{type} {mode} {size} {mtime} {sha256} {path}{NL}', '/r::a', '--', 'db', '-x',
    ]);
  });

  it('exact paths are pf: patterns, one argv word each, everything else excluded', () => {
    expect(buildListItemsArgs('/r', 'a', true, { exact: ['data/-x', 'data/new\nline', 'data/ sp'] })).toEqual([
      'list', ...LW, '--json-lines', '--format', '{type} {mode} {size} {mtime} {sha256} {path}{NL}',
      '--pattern=+pf:data/-x', '--pattern=+pf:data/new\nline', '--pattern=+pf:data/ sp', '--pattern=-fm:*', '/r::a',
    ]);
  });
});
