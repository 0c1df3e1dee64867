// Writes a complete pullback configuration (global file + hosts/*.yaml) for harness servers into a temp dir.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { clientKey } from './ssh-keys.js';
import { makeTempDir } from './tmp.js';

type Obj = Record<string, unknown>;

export interface TestSource {
  name: string;
  kind: 'database' | 'blobs' | 'data';
  path: string;
  exclude?: string[];
  [key: string]: unknown;
}

export interface TestHost {
  name: string;
  /** A harness sshd (or anything with its fields); knownHostsLine is added to known_hosts when present. */
  server: { address: string; port: number; user: string; knownHostsLine?: string };
  sources: TestSource[];
  /** Deep-merged into the host file; an `undefined` value removes the key. */
  override?: Obj;
}

export interface TestConfigOptions {
  hosts: TestHost[];
  /** Deep-merged into the global file; an `undefined` value removes the key. */
  global?: Obj;
  /** Directory to write into (default: a new temp dir). */
  dir?: string;
}

export interface TestConfig {
  dir: string;
  configPath: string;
  hostsDir: string;
  stateDir: string;
  passphraseFile: string;
  knownHostsPath: string;
  identityFile: string;
  /** The borg repository of a host. */
  repoPath(host: string): string;
  /** The host file of a host. */
  hostFile(host: string): string;
  /** The mirror directory of a host's source. */
  mirrorPath(host: string, source: string): string;
}

/** Deep-merges plain objects (arrays and scalars replace); `undefined` in `patch` deletes the key. */
export function deepMerge(base: Obj, patch: Obj): Obj {
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete out[k];
    else if (isObj(v) && isObj(out[k])) out[k] = deepMerge(out[k] as Obj, v);
    else out[k] = v;
  }
  return out;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Writes pullback.yaml, hosts/<name>.yaml, known_hosts and a passphrase file; returns their paths. */
export async function writeTestConfig(opts: TestConfigOptions): Promise<TestConfig> {
  const dir = opts.dir ?? makeTempDir('pullback-config-');
  const stateDir = join(dir, 'state');
  const borgDir = join(dir, 'borg');
  const hostsDir = join(dir, 'hosts');
  for (const d of [stateDir, borgDir, hostsDir]) mkdirSync(d, { recursive: true });
  const passphraseFile = join(dir, 'borg-passphrase');
  writeFileSync(passphraseFile, randomBytes(24).toString('hex') + '\n', { mode: 0o600 });
  const knownHostsPath = join(dir, 'known_hosts');
  const lines = opts.hosts.map((h) => h.server.knownHostsLine).filter((l): l is string => Boolean(l));
  writeFileSync(knownHostsPath, lines.map((l) => `${l}\n`).join(''), { mode: 0o600 });
  const identityFile = (await clientKey()).privateKeyPath;

  const global = deepMerge(
    {
      state_dir: stateDir,
      hosts_dir: 'hosts',
      repository: {
        path: join(borgDir, '{host}'),
        encryption: 'repokey-blake2',
        passphrase_file: passphraseFile,
        compression: 'auto,zstd,3',
      },
      retention: { daily: 7, weekly: 4, monthly: 6 },
      concurrency: 2,
      ssh: { identity_file: identityFile, known_hosts: knownHostsPath, connect_timeout: '5s' },
      rsync: { timeout: '30s', attempts: 2, backoff: '1s' },
      checks: { repository: 'always', archives: 'always', data: 'never', drill: 'never' },
    },
    opts.global ?? {},
  );
  const configPath = join(dir, 'pullback.yaml');
  writeFileSync(configPath, stringify(global));

  for (const h of opts.hosts) {
    const file = deepMerge(
      { name: h.name, address: h.server.address, port: h.server.port, user: h.server.user, sources: h.sources },
      h.override ?? {},
    );
    writeFileSync(join(hostsDir, `${h.name}.yaml`), stringify(file));
  }

  const repoTemplate = String((global.repository as Obj | undefined)?.path ?? join(borgDir, '{host}'));
  return {
    dir,
    configPath,
    hostsDir,
    stateDir: String(global.state_dir),
    passphraseFile,
    knownHostsPath,
    identityFile,
    repoPath: (host) => repoTemplate.split('{host}').join(host),
    hostFile: (host) => join(hostsDir, `${host}.yaml`),
    mirrorPath: (host, source) => join(String(global.state_dir), 'mirror', host, source),
  };
}
