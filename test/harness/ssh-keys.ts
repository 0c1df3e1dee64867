// SSH key material for tests: one client key per process, host keys per server.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { makeTempDir } from './tmp.js';

export interface ClientKey {
  privateKeyPath: string;
  publicKey: string;
}

let cached: ClientKey | undefined;

/** Generates (once per process) an ed25519 client key without passphrase and returns its path and public key. */
export async function clientKey(): Promise<ClientKey> {
  if (cached && existsSync(cached.privateKeyPath)) return cached;
  // vitest isolates each test file in a fresh module graph, so this is once per file in practice.
  const dir = makeTempDir('pullback-clientkey-');
  const privateKeyPath = join(dir, 'id_ed25519');
  await generateKey(privateKeyPath, 'pullback-test-client');
  cached = { privateKeyPath, publicKey: readFileSync(`${privateKeyPath}.pub`, 'utf8').trim() };
  return cached;
}

/** Writes a new ed25519 key pair at `path` (and `path`.pub), replacing any existing one. */
export async function generateKey(path: string, comment: string): Promise<string> {
  rmSync(path, { force: true });
  rmSync(`${path}.pub`, { force: true });
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
  return readFileSync(`${path}.pub`, 'utf8').trim();
}

/** Something with a known_hosts line (a started sshd). */
export interface KnownHost {
  knownHostsLine: string;
}

/** Writes an OpenSSH known_hosts file trusting the given servers' host keys. */
export function writeKnownHosts(path: string, servers: KnownHost[]): void {
  writeFileSync(path, servers.map((s) => `${s.knownHostsLine}\n`).join(''), { mode: 0o600 });
}
