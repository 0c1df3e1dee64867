// The failure message shows the tool's real error, not its last line.
import { describe, expect, it } from 'vitest';
import { reasonLines, StderrCapture } from '../../../src/exec/stderr.js';

function capture(lines: string[]): StderrCapture {
  const c = new StderrCapture();
  for (const l of lines) c.push(l);
  return c;
}

describe('stderr reason lines', () => {
  it('pg_restore: the error and its DETAIL, not "Command was:"', () => {
    const c = capture([
      'pg_restore: while PROCESSING TOC:',
      'pg_restore: from TOC entry 3201; 2606 16585 CONSTRAINT users users_pkey postgres',
      'pg_restore: error: could not execute query: ERROR:  cannot drop constraint users_pkey on table public.users because other objects depend on it',
      'DETAIL:  constraint invoices_user_fkey on table public.invoices depends on index public.users_pkey',
      'HINT:  Use DROP ... CASCADE to drop the dependent objects too.',
      'Command was: ALTER TABLE IF EXISTS ONLY public.users DROP CONSTRAINT IF EXISTS users_pkey;',
    ]);
    expect(reasonLines(c.errors, c.tail)).toEqual([
      'pg_restore: error: could not execute query: ERROR:  cannot drop constraint users_pkey on table public.users because other objects depend on it',
      'DETAIL:  constraint invoices_user_fkey on table public.invoices depends on index public.users_pkey',
      'HINT:  Use DROP ... CASCADE to drop the dependent objects too.',
    ]);
  });

  it('keeps the first errors even when thousands of lines follow', () => {
    const c = capture(['ERROR 1146 (42S02) at line 7: Table \'shop.x\' doesn\'t exist', ...Array.from({ length: 5000 }, (_, i) => `noise ${i}`)]);
    expect(c.tail).toHaveLength(20);
    expect(reasonLines(c.errors, c.tail)).toEqual(["ERROR 1146 (42S02) at line 7: Table 'shop.x' doesn't exist"]);
  });

  it('without an error line, the last line that is not noise', () => {
    const c = capture(['something went wrong', 'Command was: SELECT 1;', '']);
    expect(reasonLines(c.errors, c.tail)).toEqual(['something went wrong']);
    expect(reasonLines([], [])).toEqual([]);
  });
});
