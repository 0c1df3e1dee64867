// The world of binary log point-in-time recovery tests: a MariaDB server of the test's own (log-bin,
// ROW) behind a harness sshd whose tunnel key may only forward to it and whose dump key runs only
// what `pullback hosts authorize` allows (through the real pullback-gate), a host with one database
// source `db` that dumps `appdb` and has `pitr:`, and runners for the CLI and the daemon.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { CLI_PATH, REPO_ROOT, runCli } from './cli.js';
import { registerCleanup } from './cleanup.js';
import { writeTestConfig } from './config.js';
import { startMariadbServer, writeMyCnf, type MariadbServer } from './mariadb-server.js';
import type { PitrDaemon, PitrWorld } from './pitr-world.js';
import { queryCatalog } from './catalog-query.js';
import { startSshd } from './sshd.js';
import { generateKey } from './ssh-keys.js';
import { makeTempDir } from './tmp.js';

export interface BinlogWorld extends Omit<PitrWorld, 'pg'> {
  my: MariadbServer;
}

export async function binlogWorld(opts: { maxLag?: string } = {}): Promise<BinlogWorld> {
  const secrets = makeTempDir('binlog-secrets-');
  const walKey = join(secrets, 'wal_key');
  const walPublic = await generateKey(walKey, 'pullback-test-wal');
  // The night's pull and dump through the restricted keys and the real pullback-gate (--master-data=2 must pass it).
  const dumpKey = join(secrets, 'dump_key');
  await generateKey(dumpKey, 'pullback-test-dump');
  const pullKey = join(secrets, 'pull_key');
  await generateKey(pullKey, 'pullback-test-pull');
  const my = await startMariadbServer();
  const server = await startSshd({ authorizedKeys: [`restrict,port-forwarding,permitopen="127.0.0.1:${my.port}",command="/bin/false" ${walPublic}`] });
  await my.sql(undefined, 'CREATE DATABASE appdb');
  const root = makeTempDir('binlog-main-');
  const dumps = join(root, 'dumps');
  mkdirSync(dumps);
  const cnf = writeMyCnf(secrets, my);
  const db = {
    name: 'db',
    kind: 'database' as const,
    path: dumps,
    dump: { engine: 'mariadb', databases: ['appdb'], connection: { host: '127.0.0.1', port: my.port, user: my.user } },
    pitr: { max_lag: opts.maxLag ?? '1m', connection: { port: my.port, user: my.replicationUser, password_file: cnf } },
  };
  const cfg = await writeTestConfig({ global: { checks: { repository: 'never', archives: 'never' } }, hosts: [{ name: 'main', server, sources: [db], override: { keys: { wal: walKey, dump: dumpKey, pull: pullKey } } }] });
  const auth = await runCli(['--config', cfg.configPath, 'hosts', 'authorize', 'main', '--gate', join(REPO_ROOT, 'share', 'remote', 'pullback-gate')]);
  if (auth.exitCode !== 0) throw new Error(`hosts authorize failed: ${auth.stderr}${auth.stdout}`);
  // After the harness's own line (the restore key, unrestricted): the pull, dump and wal keys run only what their lines allow.
  appendFileSync(join(server.dir, 'authorized_keys'), `${auth.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('#')).join('\n')}\n`);
  const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 60_000) => {
    const end = Date.now() + ms;
    while (!(await ok())) {
      if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const receiver = () => {
    try {
      return queryCatalog<ReturnType<PitrWorld['receiver']> & object>(cfg.stateDir, "SELECT * FROM pitr_receivers WHERE host = 'main' AND source = 'db'")[0];
    } catch {
      return undefined;
    }
  };
  const daemon = (): PitrDaemon => {
    const child = execa(process.execPath, [CLI_PATH, '--config', cfg.configPath, 'daemon'], { reject: false, stdin: 'ignore', all: true, env: { NO_COLOR: '1' } });
    let out = '';
    child.all!.on('data', (b: Buffer) => (out += b.toString()));
    const stop = async () => {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return (await child).exitCode;
    };
    registerCleanup(async () => {
      await stop();
    });
    return { output: () => out, stop, process: child };
  };
  return {
    server,
    my,
    cfg,
    until,
    run: (...args) => runCli(['--config', cfg.configPath, ...args], { timeoutMs: 240_000 }),
    receiver,
    daemon,
    receiving: async () => {
      const d = daemon();
      await until('the receiver streams', () => {
        const r = receiver();
        return r?.state === 'streaming' && r.reached_at != null;
      }, 120_000);
      return d;
    },
  };
}
