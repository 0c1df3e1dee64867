// Exact argv of borg extract.
import { describe, expect, it } from 'vitest';
import { buildExtractArgs } from '../../../../src/tools/borg/extract.js';

const LW = ['--lock-wait', '2'];

describe('buildExtractArgs', () => {
  it('exact paths are pf: patterns, everything else excluded; no exact paths is the whole archive', () => {
    expect(buildExtractArgs('/r', 'a', { exact: ['.pullback/manifest.json'] })).toEqual([
      'extract', ...LW, '--numeric-ids', '--sparse', '--pattern=+pf:.pullback/manifest.json', '--pattern=-fm:*', '/r::a',
    ]);
    expect(buildExtractArgs('/r', 'a', { exact: [] })).toEqual(['extract', ...LW, '--numeric-ids', '--sparse', '/r::a']);
  });

  it('keeps numeric ids and holes of sparse files, and puts paths after --', () => {
    expect(buildExtractArgs('/r', 'a')).toEqual(['extract', ...LW, '--numeric-ids', '--sparse', '/r::a']);
    expect(buildExtractArgs('/r', 'a', { prefix: ['-data/x'] }, { dryRun: true })).toEqual(['extract', ...LW, '--numeric-ids', '--sparse', '--dry-run', '/r::a', '--', '-data/x']);
  });

  it('reads back with --dry-run --log-json --list, damaged files left out first', () => {
    expect(buildExtractArgs('/r', 'a', { prefix: ['data'], exact: ['db/1-app.dump'] }, { dryRun: true, listJson: true, skip: ['data/x'] })).toEqual([
      'extract', ...LW, '--numeric-ids', '--sparse', '--dry-run', '--log-json', '--list', '--pattern=-pf:data/x', '--pattern=+pp:data', '--pattern=+pf:db/1-app.dump', '--pattern=-fm:*', '/r::a',
    ]);
    expect(buildExtractArgs('/r', 'a', { prefix: ['data'], exact: [] })).toEqual(['extract', ...LW, '--numeric-ids', '--sparse', '/r::a', '--', 'data']);
  });
});
