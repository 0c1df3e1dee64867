// rsync's --max-delete report: the deletions it held back, and exit 25 when the limit was ours.
import { describe, expect, it } from 'vitest';
import { exitWithoutDeleteLimit, parseSkippedDeletions } from '../../../src/tools/rsync/max-delete.js';

describe('parseSkippedDeletions', () => {
  it('reads the count rsync 3.x prints on stderr', () => {
    expect(parseSkippedDeletions('Deletions stopped due to --max-delete limit (8 skipped)')).toBe(8);
    expect(parseSkippedDeletions('Deletions stopped due to --max-delete limit (12345 skipped)\n')).toBe(12345);
  });
  it('ignores every other line', () => {
    expect(parseSkippedDeletions('rsync error: the --max-delete limit stopped deletions (code 25) at main.c(1394) [sender=3.5.0]')).toBeUndefined();
    expect(parseSkippedDeletions('file has vanished: "/srv/x"')).toBeUndefined();
  });
});

describe('exitWithoutDeleteLimit', () => {
  it('reads exit 25 as success only when pullback set the limit; other codes pass through', () => {
    expect(exitWithoutDeleteLimit(25, 0)).toBe(0);
    expect(exitWithoutDeleteLimit(25, undefined)).toBe(25);
    expect(exitWithoutDeleteLimit(23, 0)).toBe(23);
    expect(exitWithoutDeleteLimit(24, 0)).toBe(24);
    expect(exitWithoutDeleteLimit(undefined, 0)).toBeUndefined();
  });
});
