import { describe, expect, it } from 'vitest';
import { printable } from '../../../src/util/printable.js';

describe('printable', () => {
  it('escapes C0, DEL, C1, line separators and bidi overrides; keeps other text as it is', () => {
    expect(printable('a\nb\rc\td\u001b[2J')).toBe('a\\nb\\rc\\td\\e[2J');
    expect(printable('\u0000\u0007\u007f\u009b')).toBe('\\x00\\x07\\x7f\\x9b');
    expect(printable('x\u2028y\u202egnp.exe\u2066')).toBe('x\\u2028y\\u202egnp.exe\\u2066');
    expect(printable('café with space, "quotes", $(x) `y` 😀')).toBe('café with space, "quotes", $(x) `y` 😀');
  });

  it('doubles a backslash: a name that spells an escape never reads like the character it names', () => {
    expect(printable('a\\nb')).toBe('a\\\\nb');
    expect(printable('a\nb')).toBe('a\\nb');
    expect(printable('a\\nb')).not.toBe(printable('a\nb'));
    expect(printable('C:\\x\\')).toBe('C:\\\\x\\\\');
  });
});
