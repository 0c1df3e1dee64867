// The preflight of each job: unusable files (borg passphrase, SSH identity, known_hosts) and a
// refused host key are found before anything is pulled, restored or checked, in one message naming
// what the file is for; a wrong passphrase says so, not "borg check found problems"; a passphrase
// file that is not mode 600 and owned by this user stops every repository command with exit 2.
import { chmodSync, chownSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, runCli, startSshd, writeTestConfig, type SshdServer, type TestConfig } from '../../harness/index.js';

let server: SshdServer;
let root: string;

beforeAll(async () => {
  server = await startSshd();
  root = makeTempDir('preflight-');
  mkdirSync(join(root, 'data'));
  writeFileSync(join(root, 'data', 'a.txt'), 'a\n');
});

async function config(global: Record<string, unknown> = {}): Promise<TestConfig> {
  return writeTestConfig({ hosts: [{ name: 'main', server, sources: [{ name: 'data', kind: 'data', path: join(root, 'data') }] }], global });
}

/** Nothing was pulled: the host's mirror was never created. */
function nothingPulled(cfg: TestConfig): boolean {
  return !existsSync(cfg.mirrorPath('main', 'data'));
}

describe('preflight of pullback run', () => {
  it('fails the host before any pull when the borg passphrase file is missing, naming it', async () => {
    const cfg = await config();
    rmSync(cfg.passphraseFile);
    const r = await runCli(['--config', cfg.configPath, 'run']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain(`borg passphrase file ${cfg.passphraseFile} does not exist`);
    expect(nothingPulled(cfg)).toBe(true);
  });

  it('names a missing SSH identity file without suggesting authorized_keys, and a known_hosts that is no file', async () => {
    const cfg = await config({ ssh: { identity_file: join(root, 'no such key') } });
    const r = await runCli(['--config', cfg.configPath, 'run']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain(`SSH identity file ${join(root, 'no such key')} does not exist`);
    expect(r.stdout + r.stderr).not.toContain('authorized_keys');
    expect(nothingPulled(cfg)).toBe(true);

    const cfg2 = await config();
    rmSync(cfg2.knownHostsPath);
    mkdirSync(cfg2.knownHostsPath);
    const r2 = await runCli(['--config', cfg2.configPath, 'run']);
    expect(r2.exitCode).toBe(1);
    expect(r2.stdout).toContain(`known_hosts file ${cfg2.knownHostsPath} is not a file`);
    expect(nothingPulled(cfg2)).toBe(true);
  });

  it('reports a changed host key once, as a host key problem, not as an unreachable host', async () => {
    const cfg = await config();
    const other = await startSshd();
    // known_hosts says main's key is another server's.
    writeFileSync(cfg.knownHostsPath, `${other.knownHostsLine.replace(/^\S+/, `[${server.address}]:${server.port}`)}\n`);
    const r = await runCli(['--config', cfg.configPath, 'run']);
    expect(r.exitCode).toBe(1);
    const out = r.stdout;
    expect(out).toContain('preflight: ssh to');
    expect(out).toContain('refused: host key changed (does not match known_hosts');
    expect(out.match(/host key/g), out).toHaveLength(1);
    expect(out + r.stderr).not.toContain('unreachable');
    expect(nothingPulled(cfg)).toBe(true);
  });
});

describe('a wrong passphrase, and validate of missing files', () => {
  it('fails a host whose repository the passphrase does not open before any pull; other hosts go on', async () => {
    const src = (name: string) => {
      const dir = join(root, `wrong-pass-${name}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'a.txt'), 'a\n');
      return dir;
    };
    const cfg = await writeTestConfig({
      global: { checks: { repository: 'never', archives: 'never' } },
      hosts: ['main', 'other'].map((name) => ({ name, server, sources: [{ name: 'data', kind: 'data', path: src(name) }] })),
    });
    const first = await runCli(['--config', cfg.configPath, 'run', '--host', 'main']);
    expect(first.exitCode, first.stdout + first.stderr).toBe(0);

    // New data on main, and a passphrase that does not open main's repository.
    writeFileSync(join(root, 'wrong-pass-main', 'b.txt'), 'b\n');
    writeFileSync(cfg.passphraseFile, 'not the passphrase\n', { mode: 0o600 });
    const r = await runCli(['--config', cfg.configPath, 'run']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^main\s+FAILED\s+-/m);
    expect(r.stdout).toContain(
      `main: preflight: wrong borg passphrase: the passphrase file ${cfg.passphraseFile} (repository.passphrase_file) does not open the key of repository ${cfg.repoPath('main')}; nothing was pulled`,
    );
    // Nothing was pulled for main; the other host (a first night: its repository is made with this passphrase) went on.
    expect(existsSync(join(cfg.mirrorPath('main', 'data'), 'b.txt'))).toBe(false);
    expect(r.stdout).toMatch(/^other\s+OK\s/m);
    // The passphrase stays off every command line borg was given.
    expect(r.stderr).not.toContain('not the passphrase');
  });

  it('validate refuses a missing passphrase file or SSH identity file, naming the file, line and key (exit 2)', async () => {
    const cfg = await config();
    const ok = await runCli(['--config', cfg.configPath, 'validate']);
    expect(ok.exitCode, ok.stderr).toBe(0);
    renameSync(cfg.passphraseFile, `${cfg.passphraseFile}.away`);
    const noPass = await runCli(['--config', cfg.configPath, 'validate']);
    expect(noPass.exitCode).toBe(2);
    expect(noPass.stdout).not.toContain('OK');
    expect(noPass.stderr).toMatch(new RegExp(`${cfg.configPath}:\\d+: repository\\.passphrase_file: borg passphrase file ${cfg.passphraseFile} does not exist`));
    renameSync(`${cfg.passphraseFile}.away`, cfg.passphraseFile);

    const key = join(root, 'no such key');
    const cfg2 = await config({ ssh: { identity_file: key } });
    const noKey = await runCli(['--config', cfg2.configPath, 'validate']);
    expect(noKey.exitCode).toBe(2);
    expect(noKey.stderr).toMatch(new RegExp(`${cfg2.configPath}:\\d+: ssh\\.identity_file: SSH identity file ${key} does not exist`));
    expect(noKey.stderr).not.toMatch(/internal error|\n\s+at /);
  });
});

describe('preflight and passphrase of check, drill and restore', () => {
  it('refuses with the missing passphrase file named, and says "wrong passphrase" for a wrong one', async () => {
    const cfg = await config();
    const first = await runCli(['--config', cfg.configPath, 'run']);
    expect(first.exitCode, first.stdout + first.stderr).toBe(0);

    renameSync(cfg.passphraseFile, `${cfg.passphraseFile}.away`);
    for (const cmd of [['check'], ['drill', '--host', 'main'], ['restore', '--host', 'main', '--dry-run']]) {
      const r = await runCli(['--config', cfg.configPath, ...cmd]);
      expect(r.exitCode, `${cmd[0]}: ${r.stdout}${r.stderr}`).not.toBe(0);
      expect(r.stdout + r.stderr, cmd[0]).toContain(`borg passphrase file ${cfg.passphraseFile} does not exist`);
    }

    writeFileSync(cfg.passphraseFile, 'not the passphrase\n', { mode: 0o600 });
    const check = await runCli(['--config', cfg.configPath, 'check']);
    expect(check.exitCode).toBe(1);
    expect(check.stdout).toContain('wrong passphrase');
    expect(check.stdout).not.toContain('found problems');
  });
});

describe('a passphrase file others may read or own', () => {
  it('stops every repository command with exit 2 before anything is done, naming file, mode, owner and fix', async () => {
    const cfg = await config();
    chmodSync(cfg.passphraseFile, 0o644);
    for (const cmd of [['validate'], ['run'], ['check'], ['restore', '--host', 'main', '--dry-run']]) {
      const r = await runCli(['--config', cfg.configPath, ...cmd]);
      expect(r.exitCode, `${cmd[0]}: ${r.stdout}${r.stderr}`).toBe(2);
      expect(r.stderr, cmd[0]).toContain(`repository.passphrase_file: borg passphrase file ${cfg.passphraseFile} is mode 0644, owned by root (uid 0)`);
      expect(r.stderr, cmd[0]).toContain(`fix: chmod 600 ${cfg.passphraseFile}`);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    }
    expect(nothingPulled(cfg)).toBe(true);
    expect(existsSync(cfg.repoPath('main'))).toBe(false);
    // Reports and status do not open a repository: they still work.
    expect((await runCli(['--config', cfg.configPath, 'status'])).exitCode).not.toBe(2);

    chmodSync(cfg.passphraseFile, 0o600);
    chownSync(cfg.passphraseFile, 65534, 65534); // nobody
    const owned = await runCli(['--config', cfg.configPath, 'run']);
    expect(owned.exitCode).toBe(2);
    expect(owned.stderr).toContain(`is mode 0600, owned by nobody (uid 65534): it must be readable by its owner only (mode 600) and owned by root (uid 0)`);
    expect(owned.stderr).toContain(`fix: chown root ${cfg.passphraseFile}`);
    expect(nothingPulled(cfg)).toBe(true);

    chownSync(cfg.passphraseFile, 0, 0);
    const ok = await runCli(['--config', cfg.configPath, 'run']);
    expect(ok.exitCode, ok.stdout + ok.stderr).toBe(0);
  });
});
