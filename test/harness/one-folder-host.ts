// The smallest world many end-to-end tests start from: one harness sshd main server `main` with one
// data folder (`data`, holding a.txt), its test config with no checks in the nights (nothing writes
// to the repository after a night's archive unless a test says so), and a runner for the CLI.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, type CliResult } from './cli.js';
import { writeTestConfig, type TestConfig } from './config.js';
import { startSshd, type SshdServer } from './sshd.js';
import { makeTempDir } from './tmp.js';

export interface OneFolderHost {
  server: SshdServer;
  /** The main server's root; the source folder is `${root}/data`. */
  root: string;
  data: string;
  cfg: TestConfig;
  /** The host's repository. */
  repo: string;
  /** `pullback --config <cfg> ...args`. */
  run: (...args: string[]) => Promise<CliResult>;
}

export async function oneFolderHost(): Promise<OneFolderHost> {
  const server = await startSshd();
  const root = makeTempDir('main-server-');
  const data = join(root, 'data');
  mkdirSync(data);
  writeFileSync(join(data, 'a.txt'), 'a\n');
  const cfg = await writeTestConfig({ global: { checks: { repository: 'never', archives: 'never' } }, hosts: [{ name: 'main', server, sources: [{ name: 'data', kind: 'data', path: data }] }] });
  return { server, root, data, cfg, repo: cfg.repoPath('main'), run: (...args) => runCli(['--config', cfg.configPath, ...args]) };
}
