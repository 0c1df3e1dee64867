import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PID_REPORT_PATTERN, shellCommand, shellCommandReportingPid, shellQuote } from '../../../src/tools/ssh/quote.js';

const NASTY = [
  'plain',
  'with space',
  "it's",
  "''",
  'line\nbreak',
  '$HOME',
  '${PATH}',
  '`id`',
  '$(id)',
  'back\\slash',
  '\\',
  '-rf',
  '--',
  '-',
  'ünïcødé 雪',
  '',
  ' ',
  '*',
  '~',
  '~root',
  'a=b',
  '#comment',
  ';',
  '&&',
  '|',
  '>out',
  '!',
  '{a,b}',
  '[ab]',
  '"double"',
  'tab\there',
  '\r\n',
];

describe('shellQuote', () => {
  it('leaves plain arguments alone', () => {
    expect(shellQuote('pg_dump')).toBe('pg_dump');
    expect(shellQuote('/var/backups/db.dump')).toBe('/var/backups/db.dump');
    expect(shellQuote('--format=custom')).toBe("'--format=custom'");
    expect(shellQuote('-Pk')).toBe('-Pk');
    expect(shellQuote('user@host:1,2+3%')).toBe('user@host:1,2+3%');
  });

  it('quotes the empty string', () => {
    expect(shellQuote('')).toBe("''");
  });

  it('single-quotes anything special and escapes single quotes', () => {
    expect(shellQuote('with space')).toBe("'with space'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('$HOME')).toBe("'$HOME'");
    expect(shellQuote('`id`')).toBe("'`id`'");
    expect(shellQuote('back\\slash')).toBe("'back\\slash'");
    expect(shellQuote('line\nbreak')).toBe("'line\nbreak'");
    expect(shellQuote('ünïcødé')).toBe("'ünïcødé'");
    expect(shellQuote('~')).toBe("'~'");
    expect(shellQuote('a=b')).toBe("'a=b'");
  });

  it('joins argv into one command string', () => {
    expect(shellCommand(['df', '-Pk', '--', '/srv/my data'])).toBe("df -Pk -- '/srv/my data'");
  });

  it('refuses an empty argv and NUL bytes', () => {
    expect(() => shellCommand([])).toThrow(/empty argv/);
    expect(() => shellCommand(['echo', 'a\0b'])).toThrow(/NUL/);
  });

  // The remote side is a POSIX shell; check that both sh implementations here give back the exact bytes.
  for (const sh of ['/bin/sh', '/bin/bash']) {
    it(`round-trips every nasty argument through ${sh}`, () => {
      const out = execFileSync(sh, ['-c', shellCommand(['printf', '%s\\0', ...NASTY])]);
      expect(out.toString('utf8').split('\0').slice(0, -1)).toEqual(NASTY);
    });
  }

  it('reports the PID on stderr, then execs argv in place of the shell', () => {
    const r = spawnSync('/bin/sh', ['-c', shellCommandReportingPid(['sh', '-c', 'echo $$; echo err >&2', "it's"])]);
    const [first, ...rest] = r.stderr.toString().split('\n');
    const pid = PID_REPORT_PATTERN.exec(first!)?.[1];
    expect(pid).toMatch(/^\d+$/);
    expect(r.stdout.toString()).toBe(`${pid}\n`); // same process: exec replaced the shell
    expect(rest).toEqual(['err', '']);
  });
});
