// Bad configurations: `validate` and every other command exit 2 with file, line and key, never a stack trace.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { CLI_PATH, makeTempDir, runCli } from '../../harness/index.js';

const BROKEN = `name: broken
address: 10.0.0.5
user: backup
sources:
  - name: data
    kind: data
   path: /srv/data
`;

const TYPO = `name: typo
address: 10.0.0.6
user: backup
colour: blue
sources:
  - {name: db, kind: database, path: /srv/db}
  - {name: data, kind: datum, path: /srv/data}
`;

function badConfig(): { configPath: string; broken: string; typo: string } {
  const dir = makeTempDir('pullback-config-');
  mkdirSync(join(dir, 'hosts'));
  const configPath = join(dir, 'pullback.yaml');
  writeFileSync(
    configPath,
    [
      `state_dir: ${join(dir, 'state')}`,
      'repository:',
      `  path: ${join(dir, 'borg', '{host}')}`,
      `  passphrase_file: ${join(dir, 'pass')}`,
      'ssh:',
      `  identity_file: ${join(dir, 'id')}`,
      `  known_hosts: ${join(dir, 'known_hosts')}`,
      '',
    ].join('\n'),
  );
  const broken = join(dir, 'hosts', 'broken.yaml');
  const typo = join(dir, 'hosts', 'typo.yaml');
  writeFileSync(broken, BROKEN);
  writeFileSync(typo, TYPO);
  return { configPath, broken, typo };
}

const MINE = ['run', 'list', 'check', 'prune', 'validate'];

function expectNoStack(text: string): void {
  expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(text).not.toMatch(/internal error/i);
}

describe('bad configuration', () => {
  it('validate names both files, the lines and the keys, and exits 2', async () => {
    const cfg = badConfig();
    const r = await runCli(['--config', cfg.configPath, 'validate']);
    expect(r.exitCode, r.stderr).toBe(2);
    expectNoStack(r.stderr);
    expect(r.stderr).toContain('configuration has 3 problem(s)');
    expect(r.stderr).toMatch(new RegExp(`${cfg.broken}:7(:\\d+)?: .*(indent|Sequence|YAML)`, 'i'));
    expect(r.stderr).toContain(`${cfg.typo}:4: colour: unknown key 'colour'`);
    expect(r.stderr).toContain(`${cfg.typo}:7: sources[1].kind: must be one of database, blobs, data (got 'datum')`);
    expect(r.stdout).toBe('');
    // The list ends with its newline (runCli strips it, as execa does: read the bytes themselves).
    const raw = await execa(process.execPath, [CLI_PATH, '--config', cfg.configPath, 'validate'], { reject: false, stripFinalNewline: false, env: { NO_COLOR: '1' } });
    expect(raw.stderr).toMatch(/\(got 'datum'\)\n$/);
  });

  it('every command refuses a bad config the same way (exit 2), also through $PULLBACK_CONFIG', async () => {
    const cfg = badConfig();
    const help = await runCli(['--help']);
    const names = [...help.stdout.matchAll(/^ {2}(\S+) {2}/gm)].map((m) => m[1]!);
    expect(names).toEqual(expect.arrayContaining(MINE));
    const runs = await Promise.all(
      [...names.map((n) => ['--config', cfg.configPath, n]), ['run', '--host', 'typo'], ['list', '--json']].map(async (args, i) => ({
        args,
        r: await runCli(args, i >= names.length ? { configEnv: cfg.configPath } : {}),
      })),
    );
    for (const { args, r } of runs) {
      const what = `pullback ${args.join(' ')}: ${r.stderr}`;
      expect(r.exitCode, what).toBe(2);
      expectNoStack(r.stderr);
      // Other features' commands may refuse their missing arguments before reading the config: exit 2 as well.
      if (MINE.includes(args.find((a) => !a.startsWith('-') && a !== cfg.configPath)!)) {
        expect(r.stderr, what).toContain(`${cfg.typo}:4: colour: unknown key 'colour'`);
      }
    }
  });

  it('a missing config file or a directory is a config error, not a crash', async () => {
    const missing = await runCli(['--config', '/nonexistent/pullback.yaml', 'run']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('/nonexistent/pullback.yaml: file not found (the config is --config FILE, else $PULLBACK_CONFIG, else /etc/pullback/pullback.yaml; pullback init writes a first one)');
    const dir = await runCli(['--config', makeTempDir('cfgdir-'), 'list']);
    expect(dir.exitCode).toBe(2);
    expectNoStack(missing.stderr + dir.stderr);
  });
});
