// Usage errors exit 2 with a message and the usage line; --help and --version exit 0.
import { describe, expect, it } from 'vitest';
import { freePort, runCli, writeTestConfig } from '../../harness/index.js';

describe('usage', () => {
  it('unknown commands, options, missing values and stray arguments exit 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /usage: pullback \[--config FILE\]/],
      [['bogus'], /unknown command 'bogus'/],
      [['run', '--bogus'], /Unknown option '--bogus'[\s\S]*usage: pullback run/],
      [['list', '--host'], /argument missing[\s\S]*usage: pullback list/],
      [['validate', 'extra'], /unexpected argument 'extra'/],
      [['--config'], /argument missing/],
      [['--log-level', 'loud', 'validate'], /log level 'loud'/],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(args)));
    results.forEach((r, i) => {
      const [args, re] = cases[i]!;
      expect(r.exitCode, `pullback ${args.join(' ')}`).toBe(2);
      expect(r.stderr, `pullback ${args.join(' ')}`).toMatch(re);
      expect(r.stderr).not.toMatch(/usage: usage:/);
      expect(r.stdout, `pullback ${args.join(' ')}: usage goes to stderr`).toBe('');
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
