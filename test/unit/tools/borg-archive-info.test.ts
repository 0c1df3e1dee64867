// The borg calls behind `pullback list`: comments with the listing, statistics from borg info.
import { describe, expect, it } from 'vitest';
import { buildArchiveInfoArgs, buildListWithCommentsArgs } from '../../../src/tools/borg/archive-info.js';

const LW = ['--lock-wait', '2'];

describe('borg archive info args', () => {
  it('lists with comments and asks info per archive or per glob', () => {
    expect(buildListWithCommentsArgs('/r', 'h-*')).toEqual(['list', ...LW, '--json', '--format', '{comment}', '--glob-archives', 'h-*', '/r']);
    expect(buildArchiveInfoArgs('/r', { archive: 'h-1' })).toEqual(['info', ...LW, '--json', '/r::h-1']);
    expect(buildArchiveInfoArgs('/r', { glob: 'h-*' })).toEqual(['info', ...LW, '--json', '--glob-archives', 'h-*', '/r']);
  });
});
