import { describe, expect, it } from 'vitest';
import { ageText } from '../../../../src/nightly/dumps/age-text.js';

describe('ageText', () => {
  it('shows the two largest units, dropping zero remainders', () => {
    const cases: Array<[number, string]> = [
      [0, '0s'],
      [42, '42s'],
      [423, '7m 3s'],
      [3600, '1h'],
      [26 * 3600, '1d 2h'],
      [3 * 86_400, '3d'],
      [5 * 3600 + 12 * 60 + 5, '5h 12m'],
      [86_400 + 59, '1d'],
    ];
    for (const [s, text] of cases) expect(ageText(s * 1000), String(s)).toBe(text);
  });
});
