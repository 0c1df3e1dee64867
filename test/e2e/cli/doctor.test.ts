// pullback doctor against the real machine: a PATH that lacks the PostgreSQL client tools a
// postgres source needs and an SSH key others may read are both named, with their fixes (exit 1);
// the same configuration with the tools on PATH and the key 0600 is ready (exit 0).
import { chmodSync, copyFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, writeTestConfig } from '../../harness/index.js';
import { findProgram } from '../../../src/doctor/probe.js';

const SERVER = { address: '127.0.0.1', port: 22, user: 'nobody' };
const DB_SOURCE = { name: 'db', kind: 'database' as const, path: '/var/backups/pullback', dump: { engine: 'postgres', databases: ['appdb'], connection: { host: '127.0.0.1', port: 5432, user: 'postgres' } } };

/** A bin directory holding symlinks to only `tools` (found on this machine's PATH). */
function binWith(dir: string, tools: string[]): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const t of tools) {
    const real = findProgram(t, (process.env.PATH ?? '').split(':'));
    if (!real) throw new Error(`${t} is not on this machine's PATH (scripts/bootstrap installs it)`);
    symlinkSync(real, join(bin, t));
  }
  return bin;
}

describe('pullback doctor', () => {
  it('names a missing database client and a key file with mode 0644 (exit 1); ready once both are fixed (exit 0)', async () => {
    const cfg = await writeTestConfig({ hosts: [{ name: 'main', server: SERVER, sources: [DB_SOURCE] }] });
    const key = join(cfg.dir, 'id_ed25519');
    copyFileSync(cfg.identityFile, key);
    chmodSync(key, 0o644);
    const withKey = await writeTestConfig({ dir: cfg.dir, hosts: [{ name: 'main', server: SERVER, sources: [DB_SOURCE] }], global: { ssh: { identity_file: key, known_hosts: cfg.knownHostsPath } } });
    const bin = binWith(cfg.dir, ['borg', 'rsync', 'ssh', 'getfattr', 'timedatectl', 'python3']);

    const sick = await runCli(['--config', withKey.configPath, 'doctor'], { env: { PATH: bin } });
    expect(sick.exitCode, sick.stdout + sick.stderr).toBe(1);
    expect(sick.stdout).toMatch(/^FAIL {2}pg_restore: not found on PATH \(needed for postgres sources main\/db\): install the PostgreSQL client tools \(apt install postgresql-client\)$/m);
    expect(sick.stdout).toMatch(/^FAIL {2}psql: not found on PATH/m);
    expect(sick.stdout).toContain(`FAIL  SSH identity file (ssh.identity_file): ${key} is mode 0644: it must be readable by its owner only (0600)`);
    expect(sick.stdout).toContain(`fix: chmod 600 ${key}`);
    expect(sick.stdout).toMatch(/^OK {4}borg: borg 1\.\d+\.\d+/m);
    expect(sick.stdout).toMatch(/^OK {4}rsync: rsync \d+\.\d+\.\d+\S* \(.*\), with ACLs and xattrs$/m);
    expect(sick.stdout).toMatch(/^OK {4}borg passphrase file \(repository\.passphrase_file\): /m);
    expect(sick.stdout).toMatch(/^(OK {2}|WARN) {2}state directory \(state_dir\): /m);
    expect(sick.stdout).toMatch(/^OK {4}free space \(state, mirror, repository of main\): filesystem /m);
    expect(sick.stdout).toMatch(/^(OK|WARN) {2,4}clock: /m);
    expect(sick.stdout).toMatch(/^doctor: 4 check\(s\) FAILED/m);
    // Every line is one check with its verdict.
    for (const l of sick.stdout.trim().split('\n').slice(0, -1)) expect(l).toMatch(/^(OK {2}|WARN|FAIL) {2}\S/);

    chmodSync(key, 0o600);
    const healthy = await runCli(['--config', withKey.configPath, 'doctor'], { env: { PATH: process.env.PATH } });
    expect(healthy.exitCode, healthy.stdout + healthy.stderr).toBe(0);
    expect(healthy.stdout).toMatch(/^OK {4}pg_restore: pg_restore \d+/m);
    expect(healthy.stdout).toContain(`OK    SSH identity file (ssh.identity_file): ${key} (mode 0600`);
    expect(healthy.stdout).not.toMatch(/^FAIL/m);
    expect(healthy.stdout).toMatch(/^doctor: ready/m);
  });

  it('a configuration it cannot read exits 2 after the checks that need none', async () => {
    const r = await runCli(['--config', '/nonexistent/pullback.yaml', 'doctor']);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toMatch(/^OK {4}borg: /m);
    expect(r.stdout).toMatch(/^FAIL {2}config: \/nonexistent\/pullback.yaml cannot be used/m);
    expect(r.stderr).toMatch(/file not found/);
  });
});
