// pullback key export: the exported key (with the passphrase) is what makes the archives readable
// again once the repository has lost its own copy of the key; the file is mode 600 and never
// written over; --all writes one file per repository.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { borgExtract, borgList, makeTempDir, runBorg, runCli, startSshd, writeTestConfig, type TestConfig } from '../../harness/index.js';

let cfg: TestConfig;
let source: string;

beforeAll(async () => {
  const server = await startSshd();
  source = makeTempDir('main-server-');
  writeFileSync(join(source, 'precious.txt'), 'the data\n');
  const sources = [{ name: 'data', kind: 'data' as const, path: source }];
  cfg = await writeTestConfig({ hosts: [{ name: 'main', server, sources }, { name: 'other', server, sources }] });
  const run = await runCli(['--config', cfg.configPath, 'run']);
  expect(run.exitCode, run.stdout + run.stderr).toBe(0);
});

/** Removes the key from a repokey repository's config, as a damaged or lost config would. */
function dropRepoKey(repo: string): void {
  const file = join(repo, 'config');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^key = .*(\n[ \t]+.*)*/m, 'key = '));
}

describe('pullback key export', () => {
  it('writes a key that, with the passphrase, opens the archives of a repository that lost its own', async () => {
    const dir = makeTempDir('escrow-');
    const file = join(dir, 'main.key');
    const r = await runCli(['--config', cfg.configPath, 'key', 'export', 'main', file]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Wrote the key of ${cfg.repoPath('main')} (host main, repository id `);
    expect(r.stdout).toContain(`to ${file} (mode 600, `);
    expect(r.stdout).toContain(`The key is useless without the passphrase (in ${cfg.passphraseFile}), and the passphrase is useless without the key`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const key = readFileSync(file, 'utf8');
    expect(key).toMatch(/^BORG_KEY [0-9a-f]{64}\n/);
    expect(key).not.toContain(readFileSync(cfg.passphraseFile, 'utf8').trim());

    const again = await runCli(['--config', cfg.configPath, 'key', 'export', 'main', file]);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain(`refusing to overwrite ${file}: it exists`);
    expect(readFileSync(file, 'utf8')).toBe(key);

    const repo = cfg.repoPath('main');
    const [archive] = await borgList(repo, cfg.passphraseFile);
    dropRepoKey(repo);
    await expect(borgList(repo, cfg.passphraseFile)).rejects.toThrow(/No key entry found/);
    await runBorg(['key', 'import', repo, file], cfg.passphraseFile);
    // The key alone opens nothing: a wrong passphrase is refused.
    const wrong = join(dir, 'wrong-passphrase');
    writeFileSync(wrong, 'not it\n', { mode: 0o600 });
    await expect(borgList(repo, wrong)).rejects.toThrow(/passphrase supplied .* is incorrect/);
    expect(await borgList(repo, cfg.passphraseFile)).toEqual([archive]);
    const out = makeTempDir('extract-');
    await borgExtract(repo, archive!, out, cfg.passphraseFile);
    expect(readFileSync(join(out, 'data', 'precious.txt'), 'utf8')).toBe('the data\n');
  });

  it('--all writes one file per repository; a bad NAME or missing arguments are usage errors', async () => {
    const dir = join(makeTempDir('escrow-'), 'keys');
    const r = await runCli(['--config', cfg.configPath, 'key', 'export', '--all', dir]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const host of ['main', 'other']) {
      expect(statSync(join(dir, `${host}.borg-key`)).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(dir, `${host}.borg-key`), 'utf8')).toMatch(/^BORG_KEY /);
    }
    expect((await runCli(['--config', cfg.configPath, 'key', 'export', 'nope', join(dir, 'x')])).stderr).toContain("unknown host 'nope'");
    const usage = await runCli(['--config', cfg.configPath, 'key', 'export', 'main']);
    expect(usage.exitCode).toBe(2);
    expect(usage.stderr).toContain('pullback key export NAME FILE');
  });
});
