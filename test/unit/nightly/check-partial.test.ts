// How far a partial repository check got, read from borg's --info lines.
import { describe, expect, it } from 'vitest';
import { partialProgress } from '../../../src/nightly/maintain.js';

describe('partialProgress', () => {
  it('names the segment a stopped check resumes from, or that it reached the end', () => {
    expect(partialProgress(['Starting repository check', 'skipping to segments >= 12', 'finished partial segment check, last segment checked is 40', 'Finished partial repository check, no problems found.'])).toBe(
      'partial: checked up to segment 40, the next check resumes there',
    );
    expect(partialProgress(['Starting repository check', 'skipping to segments >= 41', 'finished segment check at segment 57', 'Finished partial repository check, no problems found.'])).toBe(
      'partial: reached the last segment (57); the next check starts a new pass',
    );
    expect(partialProgress(['something else'])).toBeUndefined();
  });
});
