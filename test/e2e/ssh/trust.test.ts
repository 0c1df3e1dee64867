// pullback hosts trust against a real sshd: the fingerprint shown is the server's own, the key is
// recorded only after confirmation (a terminal or --yes), a second trust is a no-op, a changed key
// is refused with both fingerprints (also by a run's preflight) and replaced only with --replace,
// leaving the other hosts' lines alone; OpenSSH accepts the line written.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  makeTempDir, regenerateHostKey, runCli, runCliOnPty, sshDestination, sshOptions, startSshd, writeTestConfig, type SshdServer, type TestConfig,
} from '../../harness/index.js';

let server: SshdServer;
let cfg: TestConfig;
const OTHER = '[10.9.9.9]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFWo8I5tbZfnGdOMWkQfVxP4CI+cQQ0fxY5FT+FyQKtf other host\n';

/** The server's fingerprint as ssh-keygen prints it from its own public key file. */
function serverFingerprint(): string {
  return execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(server.dir, 'ssh_host_ed25519_key.pub')], { encoding: 'utf8' }).split(' ')[1]!;
}

/** Whether OpenSSH itself (StrictHostKeyChecking=yes) accepts the server with our known_hosts. */
function opensshAccepts(): boolean {
  try {
    execFileSync('ssh', [...sshOptions(server, cfg.identityFile, cfg.knownHostsPath), sshDestination(server), 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  server = await startSshd();
  const root = makeTempDir('trust-');
  cfg = await writeTestConfig({ hosts: [{ name: 'main', server: { address: server.address, port: server.port, user: server.user }, sources: [{ name: 'data', kind: 'data', path: root }] }] });
  writeFileSync(cfg.knownHostsPath, OTHER);
});

describe('pullback hosts trust', () => {
  it('records a new key only with --yes or a "yes" on the terminal; again is a no-op', async () => {
    const fp = serverFingerprint();
    const refused = await runCli(['--config', cfg.configPath, 'hosts', 'trust', 'main']);
    expect(refused.exitCode, refused.stderr).toBe(2);
    expect(refused.stdout).toContain(`main (${server.address}:${server.port}) presents the ssh-ed25519 ${fp} host key.`);
    expect(refused.stderr).toContain('stdin is not a terminal to confirm on');
    expect(refused.stderr).toContain('pullback hosts trust main --yes');
    expect(readFileSync(cfg.knownHostsPath, 'utf8')).toBe(OTHER);

    const declined = await runCliOnPty(['--config', cfg.configPath, 'hosts', 'trust', 'main'], { typed: 'no\n' });
    expect(declined.exitCode, declined.output).toBe(1);
    expect(declined.output).toContain(`Record this key for main in ${cfg.knownHostsPath}? Type "yes" to continue:`);
    expect(declined.output).toContain('Not recorded');
    expect(readFileSync(cfg.knownHostsPath, 'utf8')).toBe(OTHER);
    expect(opensshAccepts()).toBe(false);

    const typed = await runCliOnPty(['--config', cfg.configPath, 'hosts', 'trust', 'main'], { typed: 'yes\n' });
    expect(typed.exitCode, typed.output).toBe(0);
    expect(typed.output).toContain(`Recorded in ${cfg.knownHostsPath}: [${server.address}]:${server.port} ssh-ed25519 ${fp}.`);
    expect(readFileSync(cfg.knownHostsPath, 'utf8')).toBe(`${OTHER}${server.knownHostsLine}\n`);
    expect(opensshAccepts()).toBe(true);

    const again = await runCli(['--config', cfg.configPath, 'hosts', 'trust', 'main']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toContain('Already trusted');
    expect(readFileSync(cfg.knownHostsPath, 'utf8')).toBe(`${OTHER}${server.knownHostsLine}\n`);
  });

  it('refuses a changed key with both fingerprints (trust and a run), replaces it only with --replace', async () => {
    const old = serverFingerprint();
    const before = readFileSync(cfg.knownHostsPath, 'utf8');
    await regenerateHostKey(server);
    const fp = serverFingerprint();
    const advice = `recorded ssh-ed25519 ${old}, presented ssh-ed25519 ${fp}; if the server's key was changed on purpose (compare with ssh-keygen -lf on the server), accept it with pullback hosts trust main --replace`;

    const refused = await runCli(['--config', cfg.configPath, 'hosts', 'trust', 'main', '--yes']);
    expect(refused.exitCode, refused.stderr).toBe(1);
    expect(refused.stderr).toContain(`refusing: the host key of main changed (does not match ${cfg.knownHostsPath}): ${advice}`);
    expect(readFileSync(cfg.knownHostsPath, 'utf8')).toBe(before);

    const run = await runCli(['--config', cfg.configPath, 'run']);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain(`refused: host key changed (does not match known_hosts ${cfg.knownHostsPath}): ${advice}`);

    const noTerminal = await runCli(['--config', cfg.configPath, 'hosts', 'trust', 'main', '--replace']);
    expect(noTerminal.exitCode).toBe(2);
    expect(readFileSync(cfg.knownHostsPath, 'utf8')).toBe(before);
    // The hint is followed literally: the command it names, exactly as printed.
    const hint = /\(pullback (hosts trust main[^)]*)\)/.exec(noTerminal.stderr)?.[1];
    expect(hint, noTerminal.stderr).toBe('hosts trust main --replace --yes');

    const replaced = await runCli(['--config', cfg.configPath, ...hint!.split(' ')]);
    expect(replaced.exitCode, replaced.stderr).toBe(0);
    expect(replaced.stdout).toContain('(the old key of main was removed)');
    expect(readFileSync(cfg.knownHostsPath, 'utf8')).toBe(`${OTHER}${server.knownHostsLine}\n`);
    expect(opensshAccepts()).toBe(true);
  });

  it('names an unknown host and a server that does not answer', async () => {
    const unknown = await runCli(['--config', cfg.configPath, 'hosts', 'trust', 'nope']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain("unknown host 'nope'");
    await server.stop();
    const down = await runCli(['--config', cfg.configPath, 'hosts', 'trust', 'main', '--yes']);
    expect(down.exitCode).toBe(1);
    expect(down.stderr).toMatch(/cannot read the host key of .*ECONNREFUSED/);
    expect(down.stderr).not.toMatch(/internal error|\n\s+at /);
  });
});
