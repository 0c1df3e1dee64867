// The world of the host-lock tests: one main server whose rsync (first on the sshd session's PATH)
// holds the first transfer that finds a gate fifo (it takes the gate, renaming it to gate.held, so
// later transfers pass, and waits on it), a host whose restore's stop_writes hook is `cat FIFO`,
// backed up once; and the means to hold, release and watch runs and restores. Steps are held open
// deterministically with these fifos, never by timing.
import Database from 'better-sqlite3';
import { execa, type ResultPromise } from 'execa';
import { chmodSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { CLI_PATH, makeTempDir, processesMentioning, runCli, startSshd, writeTestConfig, type CliResult, type SshdServer, type TestConfig } from '../../harness/index.js';

export interface HostLockWorld {
  server: SshdServer;
  cfg: TestConfig;
  dir: string;
  data: string;
  fifo(name: string): string;
  cli(...args: string[]): Promise<CliResult>;
  /** Makes a fresh fifo `name` in the world's dir. */
  mkfifo(name: string): Promise<void>;
  isFifo(name: string): boolean;
  /** Opens the fifo for writing and closes it: the `cat` waiting on it reads end-of-file and exits. */
  release(name: string): Promise<void>;
  /**
   * Releases the fifo if a process still has it on its command line (the remote `cat` of a hook an
   * interruption left behind); else does nothing, where `release` would wait for a reader in vain.
   */
  letGo(name: string): Promise<void>;
  query<T>(sql: string, ...params: unknown[]): T[];
  until(what: string, ok: () => boolean): Promise<void>;
  background(...args: string[]): { child: ResultPromise; stderr: () => string };
  /** True while a step of a nightly run is running. */
  running(step: string): () => boolean;
  /** True while a step of a restore is running. */
  restoreStepRunning(kind: string): () => boolean;
  /** Lets go of any remote `cat` still waiting on a fifo (an interrupted hook leaves one behind) and stops the server. */
  close(): Promise<void>;
}

/** Starts the server, writes the config and backs the host up once. */
export async function hostLockWorld(): Promise<HostLockWorld> {
  const dir = makeTempDir('host-lock-');
  const fifo = (name: string) => join(dir, name);
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  // Test fixture on the "main server": an rsync that waits on the gate fifo when it is the one to take it.
  const [gate, held] = [fifo('gate'), fifo('gate.held')];
  writeFileSync(join(bin, 'rsync'), `#!/bin/sh\nif mv '${gate}' '${held}' 2>/dev/null; then cat '${held}' >/dev/null; rm -f '${held}'; fi\nexec /usr/bin/rsync "$@"\n`);
  chmodSync(join(bin, 'rsync'), 0o755);
  const server = await startSshd({ extraConfig: [`SetEnv PATH=${bin}:/usr/local/bin:/usr/bin:/bin`] });
  const data = join(dir, 'data');
  mkdirSync(data);
  writeFileSync(join(data, 'a.txt'), 'version 1\n');
  const cfg = await writeTestConfig({
    hosts: [
      {
        name: 'main',
        server,
        sources: [{ name: 'data', kind: 'data', path: data }],
        override: { restore: { stop_writes: [['cat', fifo('hold')]], start_writes: [['touch', join(dir, 'started')]] } },
      },
    ],
    global: { checks: { repository: 'never', archives: 'never' } },
  });
  const cli = (...args: string[]) => runCli(['--config', cfg.configPath, ...args], { timeoutMs: 60_000 });
  const isFifo = (name: string) => existsSync(fifo(name)) && statSync(fifo(name)).isFIFO();
  const until = async (what: string, ok: () => boolean): Promise<void> => {
    const deadline = Date.now() + 60_000;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const release = async (name: string): Promise<void> => {
    await until(`${name} is a fifo`, () => isFifo(name));
    await execa('tee', [fifo(name)], { input: '', timeout: 10_000, reject: false });
  };
  const letGo = async (name: string): Promise<void> => {
    if (isFifo(name) && processesMentioning([fifo(name)]).length > 0) await release(name);
  };
  const query = <T>(sql: string, ...params: unknown[]): T[] => {
    const db = new Database(join(cfg.stateDir, 'catalog.db'), { readonly: true });
    try {
      return db.prepare(sql).all(...params) as T[];
    } finally {
      db.close();
    }
  };
  const r = await cli('run');
  expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  return {
    server,
    cfg,
    dir,
    data,
    fifo,
    cli,
    mkfifo: async (name) => {
      rmSync(fifo(name), { force: true });
      await execa('mkfifo', [fifo(name)]);
    },
    isFifo,
    release,
    letGo,
    query,
    until,
    background: (...args) => {
      const child = execa(process.execPath, [CLI_PATH, '--config', cfg.configPath, ...args], { reject: false, stdin: 'ignore', timeout: 90_000 });
      let err = '';
      child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
      return { child, stderr: () => err };
    },
    running: (step) => () => query('SELECT 1 FROM steps WHERE step = ? AND status = ?', step, 'running').length > 0,
    restoreStepRunning: (kind) => () => query('SELECT 1 FROM restore_steps WHERE kind = ? AND status = ?', kind, 'running').length > 0,
    close: async () => {
      for (const f of ['gate.held', 'hold']) await letGo(f);
      await server.stop();
    },
  };
}
