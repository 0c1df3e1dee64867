// Exact argv of borg list of a repository's archives.
import { describe, expect, it } from 'vitest';
import { buildListArchivesArgs, buildListWithCommentsArgs } from '../../../../src/tools/borg/list.js';

const LW = ['--lock-wait', '2'];

describe('listing archives', () => {
  it('buildListArchivesArgs', () => {
    expect(buildListArchivesArgs('/r')).toEqual(['list', ...LW, '--json', '/r']);
    expect(buildListArchivesArgs('/r', 'h-*')).toEqual(['list', ...LW, '--json', '--glob-archives', 'h-*', '/r']);
  });

  it('lists with comments (pullback list)', () => {
    expect(buildListWithCommentsArgs('/r', 'h-*')).toEqual(['list', ...LW, '--json', '--format', '{comment}', '--glob-archives', 'h-*', '/r']);
  });
});
