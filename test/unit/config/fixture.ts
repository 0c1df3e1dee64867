// Temporary configuration trees for the config tests.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type ConfigProblem } from '../../../src/errors.js';
import { loadConfig } from '../../../src/config/index.js';
import { makeTempDir } from '../../harness/tmp.js';

export const GLOBAL = `repository:
  path: /srv/borg/{host}
  passphrase_file: /etc/pullback/borg-passphrase
ssh:
  identity_file: /etc/pullback/id_ed25519
  known_hosts: /etc/pullback/known_hosts
`;

export const HOST = `name: web
address: 10.0.0.5
user: backup
sources:
  - {name: db, kind: database, path: /srv/dumps}
  - {name: files, kind: data, path: /srv/files}
`;

/** Writes pullback.yaml and hosts/<name> files into a new temp dir; returns the global file's path. */
export function writeConfig(global: string, hosts: Record<string, string> = { 'web.yaml': HOST }): string {
  // The harness removes it after the test file, like every other temp dir.
  const dir = makeTempDir('pullback-config-');
  mkdirSync(join(dir, 'hosts'));
  for (const [name, text] of Object.entries(hosts)) writeFileSync(join(dir, 'hosts', name), text);
  const file = join(dir, 'pullback.yaml');
  writeFileSync(file, global);
  return file;
}

/** The problems loadConfig reports for this configuration (fails the test when it loads). */
export function problemsOf(global: string, hosts?: Record<string, string>): ConfigProblem[] {
  try {
    loadConfig(writeConfig(global, hosts));
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

/** Problems with the temp dir stripped from file names, for readable assertions. */
export function short(problems: ConfigProblem[]): Array<{ file: string; line?: number; key?: string; message: string }> {
  return problems.map((p) => ({ file: p.file.replace(/^.*\/pullback-config-[^/]+\//, ''), line: p.line, key: p.key, message: p.message }));
}
