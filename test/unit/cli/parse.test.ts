// pullback's own command-line parsing: its messages for unknown options, missing values and stray
// arguments, and the option lines of --help; every registered option has a description.
import { describe, expect, it } from 'vitest';
import { formatOptions, parseCommandLine, type OptionSpec } from '../../../src/cli/parse.js';
import { commands } from '../../../src/cli/registry.js';
import { UsageError } from '../../../src/errors.js';

const spec: OptionSpec = {
  host: { type: 'string', short: 'H', multiple: true, value: 'NAME', description: 'only this host' },
  archive: { type: 'string', value: 'NAME', description: 'the archive' },
  json: { type: 'boolean', description: 'print JSON' },
};

function usageError(argv: string[], max = 1): string {
  try {
    parseCommandLine(argv, spec, max);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`no error for ${argv.join(' ')}`);
}

describe('parseCommandLine', () => {
  it('parses strings, repeated strings, flags, short forms and inline values', () => {
    expect(parseCommandLine(['list', '-H', 'a', '--host=b', '--json', '--archive', 'x'], spec)).toEqual({
      values: { host: ['a', 'b'], json: true, archive: 'x' },
      positionals: ['list'],
    });
    expect(parseCommandLine(['list', '--archive=-odd'], spec).values.archive).toBe('-odd');
  });

  it('a dash and a digit is a value for the command to judge (--sample -3), not a missing one', () => {
    expect(parseCommandLine(['drill', '--archive', '-3'], spec).values.archive).toBe('-3');
    expect(parseCommandLine(['logs', '--archive', '-5h'], spec).values.archive).toBe('-5h');
  });

  it("words every problem itself, never with Node's parseArgs text", () => {
    expect(usageError(['list', '--bogus'])).toBe("unknown option '--bogus'");
    expect(usageError(['list', '-x'])).toBe("unknown option '-x'");
    expect(usageError(['list', '--host'])).toBe('option --host needs a value: --host NAME');
    expect(usageError(['list', '-H'])).toBe('option --host needs a value: --host NAME');
    expect(usageError(['list', '--host', '--json'])).toBe('option --host needs a value: --host NAME');
    expect(usageError(['list', '--json=yes'])).toBe("option --json takes no value (got 'yes')");
    expect(usageError(['list', 'extra'])).toBe("unexpected argument 'extra'");
    expect(parseCommandLine(['restore', 'a', 'b'], spec, Infinity).positionals).toEqual(['restore', 'a', 'b']);
  });

  it('help lines: short and long form, placeholder, description', () => {
    expect(formatOptions('Options:', spec)).toEqual([
      'Options:',
      '  -H, --host NAME     only this host',
      '      --archive NAME  the archive',
      '      --json          print JSON',
    ]);
    expect(formatOptions('Options:', {})).toEqual([]);
  });

  it('every option of every registered command has a description', () => {
    expect(commands.map((c) => c.name)).toEqual(expect.arrayContaining(['run', 'list', 'check', 'prune', 'validate', 'restore', 'drill']));
    for (const c of commands) {
      for (const [name, def] of Object.entries(c.options)) expect(def.description.trim(), `${c.name} --${name}`).not.toBe('');
    }
  });
});
