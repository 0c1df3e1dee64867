// Exact argv of borg compact.
import { describe, expect, it } from 'vitest';
import { buildCompactArgs } from '../../../../src/tools/borg/compact.js';

const LW = ['--lock-wait', '2'];

describe('buildCompactArgs', () => {
  it('compacts the repository', () => {
    expect(buildCompactArgs('/r')).toEqual(['compact', ...LW, '/r']);
  });
});
