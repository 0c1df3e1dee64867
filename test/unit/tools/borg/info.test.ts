// Exact argv of borg info (the statistics behind `pullback list`).
import { describe, expect, it } from 'vitest';
import { buildArchiveInfoArgs } from '../../../../src/tools/borg/info.js';

const LW = ['--lock-wait', '2'];

describe('buildArchiveInfoArgs', () => {
  it('asks info per archive or per glob', () => {
    expect(buildArchiveInfoArgs('/r', { archive: 'h-1' })).toEqual(['info', ...LW, '--json', '/r::h-1']);
    expect(buildArchiveInfoArgs('/r', { glob: 'h-*' })).toEqual(['info', ...LW, '--json', '--glob-archives', 'h-*', '/r']);
  });
});
