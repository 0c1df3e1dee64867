// Usage errors exit 2 with a message and the usage line; --help and --version exit 0.
import { describe, expect, it } from 'vitest';
import { freePort, runCli, writeTestConfig } from '../../harness/index.js';

describe('usage', () => {
  it('unknown commands, options, missing values and stray arguments exit 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /usage: pullback \[--config FILE\]/],
      [['bogus'], /unknown command 'bogus'/],
      [['run', '--bogus'], /^pullback: unknown option '--bogus' for pullback run\n\nusage: pullback run \[--host NAME\]/],
      [['restore', '-x', '--host', 'a'], /^pullback: unknown option '-x' for pullback restore\n\nusage: pullback restore --host NAME/],
      [['list', '--host'], /^pullback: option --host needs a value: --host NAME for pullback list\n\nusage: pullback list/],
      [['list', '--host', '--json'], /^pullback: option --host needs a value: --host NAME for pullback list/],
      [['list', '--json=yes'], /^pullback: option --json takes no value \(got 'yes'\) for pullback list/],
      [['validate', 'extra'], /^pullback: unexpected argument 'extra' for pullback validate\n\nusage: pullback validate/],
      [['prune', '--host', 'a', 'now'], /^pullback: unexpected argument 'now' for pullback prune/],
      [['--config'], /^pullback: option --config needs a value: --config FILE\n\nusage: pullback \[--config FILE\]/],
      [['--bogus'], /^pullback: unknown option '--bogus'\n\nusage: pullback/],
      [['--log-level', 'loud', 'validate'], /log level 'loud'/],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(args)));
    results.forEach((r, i) => {
      const [args, re] = cases[i]!;
      expect(r.exitCode, `pullback ${args.join(' ')}`).toBe(2);
      expect(r.stderr, `pullback ${args.join(' ')}`).toMatch(re);
      expect(r.stderr).not.toMatch(/usage: usage:/);
      expect(r.stdout, `pullback ${args.join(' ')}: usage goes to stderr`).toBe('');
      // pullback's own words, never Node's parseArgs text.
      expect(r.stderr).not.toMatch(/argument missing|Unknown option|ERR_PARSE_ARGS|To specify an option argument/);
    });
  });

  it("every command's --help prints its usage and describes each of its options (exit 0)", async () => {
    const top = await runCli(['--help']);
    expect(top.exitCode).toBe(0);
    const names = [...top.stdout.split('Commands:\n')[1]!.split('\n\n')[0]!.matchAll(/^ {2}(\S+) {2,}\S/gm)].map((m) => m[1]!);
    expect(names).toEqual(expect.arrayContaining(['run', 'list', 'check', 'prune', 'validate', 'doctor', 'restore', 'drill', 'schedule', 'notify']));
    expect(top.stdout).toMatch(/Global options:\n {2}-c, --config FILE +the config file/);
    const expected: Record<string, string[]> = {
      run: ['--host NAME', '--accept-shrink SOURCE', '--summary'],
      list: ['--host NAME', '--json'],
      check: ['--host NAME', '--verify-data', '--repair', '--yes'],
      prune: ['--host NAME'],
      restore: ['--host NAME', '--archive NAME', '--to HOST', '--only SOURCE,...', '--map-db OLD=NEW', '--into DIR', '--dry-run', '--yes', '--force', '--max-age DURATION', '--from-offsite TARGET', '--rollback RESTORE_ID', '--at TIME|latest', '--whole-cluster', '--database NAME', '--table [SCHEMA.]TABLE', '--as NEW_NAME', '--replace', '--cascade', '--path SOURCE/PATH', '--delete', '--before TIME'],
      find: ['--host NAME', '--json', '--limit N'],
      ls: ['--host NAME', '--archive NAME', '--json'],
      diff: ['--host NAME', '--json'],
      mount: ['--host NAME', '--archive NAME', '--unmount'],
      drill: ['--host NAME', '--sample N', '--percent P', '--archive ARCHIVE', '--seed S', '--at TIME', '--json', '--from-offsite TARGET'],
      validate: [],
      doctor: ['--mount'],
      notify: ['--unit-failed UNIT'],
      schedule: ['--cron', '--systemd', '--user NAME'],
    };
    const helps = await Promise.all(names.map((n) => runCli([n, '--help'])));
    helps.forEach((h, i) => {
      const name = names[i]!;
      expect(h.exitCode, `${name} --help`).toBe(0);
      expect(h.stderr).toBe('');
      expect(h.stdout).toMatch(new RegExp(`^usage: pullback ${name}`));
      const own = h.stdout.includes('Options:\n') ? h.stdout.split('Options:\n')[1]!.split('\n\n')[0]!.split('\n') : [];
      // Each option line: the option, then at least two spaces and a description.
      for (const line of own) expect(line, `${name}: ${line}`).toMatch(/^ {2}(-\w, | {4})--[\w-]+( \S+)? {2,}\w.{9,}$/);
      const listed = own.map((l) => l.trim().replace(/^-\w, /, '').split(/ {2,}/)[0]);
      expect(listed, name).toEqual(expected[name] ?? listed);
      expect(h.stdout).toContain('Global options:');
    });
  });

  it('--help and --version exit 0 on stdout', async () => {
    const [help, version, runHelp] = await Promise.all([runCli(['--help']), runCli(['--version']), runCli(['run', '--help'])]);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/Commands:[\s\S]*run[\s\S]*validate/);
    expect(version.exitCode).toBe(0);
    expect(version.stdout).toMatch(/^pullback \d+\.\d+\.\d+/);
    expect(runHelp.exitCode).toBe(0);
    expect(runHelp.stdout).toContain('usage: pullback run [--host NAME]...');
  });

  it('an unknown --host exits 2 naming the known hosts, before anything runs', async () => {
    const offline = { address: '127.0.0.1', port: await freePort('127.0.0.1'), user: 'nobody' };
    const cfg = await writeTestConfig({ hosts: [{ name: 'main', server: offline, sources: [{ name: 'data', kind: 'data', path: '/srv' }] }] });
    const rs = await Promise.all(
      [['run', '--host', 'unknown'], ['run', '--host', 'main', '--host', 'unknown'], ['list', '--host', 'unknown'], ['check', '-H', 'unknown'], ['prune', '--host', 'unknown']].map(
        (a) => runCli(['--config', cfg.configPath, ...a]),
      ),
    );
    for (const r of rs) {
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toContain("unknown host 'unknown' (known: main)");
      expect(r.stdout).toBe('');
    }
  });
});
