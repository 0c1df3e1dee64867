// Exact argv of borg init.
import { describe, expect, it } from 'vitest';
import { buildInitArgs } from '../../../../src/tools/borg/init.js';

describe('buildInitArgs', () => {
  it('creates the repository and its parent folders with the encryption', () => {
    expect(buildInitArgs('/r', 'repokey-blake2')).toEqual(['init', '--encryption', 'repokey-blake2', '--make-parent-dirs', '/r']);
  });
});
