// The argv pieces several borg subcommands share.
import { describe, expect, it } from 'vitest';
import { nightlyGlob } from '../../../../src/tools/borg/flags.js';

const D8 = '[0-9]'.repeat(8);
const D6 = '[0-9]'.repeat(6);

describe('nightlyGlob', () => {
  it('matches <host>-YYYYMMDDTHHMMSSZ only', () => {
    expect(nightlyGlob('main')).toBe(`main-${D8}T${D6}Z`);
    expect(nightlyGlob('db-1.example')).toBe(`db-1.example-${D8}T${D6}Z`);
  });
});
