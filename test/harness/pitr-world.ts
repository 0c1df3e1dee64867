// The world of point-in-time recovery tests: a PostgreSQL cluster of the test's own (the main
// server's database, wal_level=replica, a replication login) behind a harness sshd, a host with one
// database source `db` that dumps `appdb` and has `pitr:`, and runners for the CLI and the daemon.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { CLI_PATH, runCli, type CliResult } from './cli.js';
import { registerCleanup } from './cleanup.js';
import { writeTestConfig, type TestConfig } from './config.js';
import { asPostgres, PG_BIN, startPgCluster, writePgPass, type PgCluster } from './pg-cluster.js';
import { startSshd, type SshdServer } from './sshd.js';
import { generateKey } from './ssh-keys.js';
import { makeTempDir } from './tmp.js';
import { queryCatalog } from './catalog-query.js';

export interface PitrWorld {
  server: SshdServer;
  pg: PgCluster;
  cfg: TestConfig;
  run: (...args: string[]) => Promise<CliResult>;
  /** Starts `pullback daemon` (stopped with SIGTERM after the test file, or by its stop()). */
  daemon(): PitrDaemon;
  /** Starts `pullback daemon` and waits until its receiver streams and recorded a newest point. */
  receiving(): Promise<PitrDaemon>;
  /** The receiver's catalog row. */
  receiver(): ReceiverRow | undefined;
  /** Waits until `ok()` holds (polling), failing after `ms` with `what`. */
  until(what: string, ok: () => boolean | Promise<boolean>, ms?: number): Promise<void>;
}

export interface ReceiverRow {
  state: string;
  reached_at: string | null;
  received_lsn: string | null;
  server_lsn: string | null;
  restarts: number;
  last_error: string | null;
  gap: string | null;
  gap_at: string | null;
}

export interface PitrDaemon {
  output(): string;
  stop(): Promise<number | undefined>;
  process: ResultPromise;
}

/**
 * `pitrServer`: the source gets `pitr.server` (restore --at --whole-cluster): the cluster's data
 * directory, and pg_ctl stop/start as the postgres user, run over the harness sshd.
 */
export async function pitrWorld(opts: { pgConf?: string[]; pitrServer?: boolean } = {}): Promise<PitrWorld> {
  // The tunnel's key is restricted as `pullback hosts authorize` says: forwarding to the database only.
  const secrets = makeTempDir('pitr-secrets-');
  const walKey = join(secrets, 'wal_key');
  const walPublic = await generateKey(walKey, 'pullback-test-wal');
  const pg = await startPgCluster({ conf: opts.pgConf });
  const server = await startSshd({ authorizedKeys: [`restrict,port-forwarding,permitopen="127.0.0.1:${pg.port}",command="/bin/false" ${walPublic}`] });
  await pg.sql('postgres', 'CREATE DATABASE appdb;');
  const root = makeTempDir('pitr-main-');
  const dumps = join(root, 'dumps');
  mkdirSync(dumps);
  const passFile = writePgPass(secrets, pg);
  // The database source: tonight's dump of appdb, and point-in-time recovery through the tunnel.
  const db = {
    name: 'db',
    kind: 'database' as const,
    path: dumps,
    dump: { engine: 'postgres', databases: ['appdb'], connection: { host: '127.0.0.1', port: pg.port, user: 'postgres' } },
    pitr: {
      slot: 'pullback_test',
      max_lag: '1m',
      connection: { port: pg.port, user: pg.replicationUser, password_file: passFile },
      ...(opts.pitrServer
        ? {
            server: {
              data_directory: pg.dataDir,
              stop: [[...asPostgres(), join(PG_BIN, 'pg_ctl'), '-D', pg.dataDir, '-m', 'fast', '-w', '-t', '120', 'stop']],
              start: [[...asPostgres(), join(PG_BIN, 'pg_ctl'), '-D', pg.dataDir, '-l', join(dirname(pg.dataDir), 'log'), '-w', '-t', '120', 'start']],
            },
          }
        : {}),
    },
  };
  const cfg = await writeTestConfig({ global: { checks: { repository: 'never', archives: 'never' } }, hosts: [{ name: 'main', server, sources: [db], override: { keys: { wal: walKey } } }] });
  const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 60_000) => {
    const end = Date.now() + ms;
    while (!(await ok())) {
      if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  return {
    server,
    pg,
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
      });
      return d;
    },
  };
  function receiver(): ReceiverRow | undefined {
    try {
      return queryCatalog<ReceiverRow>(cfg.stateDir, "SELECT * FROM pitr_receivers WHERE host = 'main' AND source = 'db'")[0];
    } catch {
      return undefined; // no catalog yet
    }
  }
  function daemon(): PitrDaemon {
    const child = execa(process.execPath, [CLI_PATH, '--config', cfg.configPath, 'daemon'], { reject: false, stdin: 'ignore', all: true, env: { NO_COLOR: '1' } });
    let out = '';
    child.all!.on('data', (b: Buffer) => (out += b.toString()));
    const stop = async () => {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const r = await child;
      return r.exitCode;
    };
    registerCleanup(async () => {
      await stop();
    });
    return { output: () => out, stop, process: child };
  }
}

/**
 * A ledger writer in `appdb.ledger` (one transaction per row) around a marker: at least 10 rows
 * before it, then T (the next whole second after the marker's commit: an operator's --at has
 * seconds), then at least 5 rows committed after T. Returns T and the ids the server committed at or
 * before T (by its commit timestamps: the cluster needs track_commit_timestamp = on), and how many rows there are in all.
 */
export async function ledgerAroundMarker(w: Pick<PitrWorld, 'pg' | 'until'>): Promise<{ T: Date; expected: string[]; total: number }> {
  let writing = true;
  let written = 0;
  const writer = (async () => {
    while (writing) {
      await w.pg.sql('appdb', "INSERT INTO ledger (note) VALUES ('row');");
      written++;
    }
  })();
  try {
    await w.until('the writer wrote 10 rows', () => written >= 10);
    await w.pg.sql('appdb', "INSERT INTO ledger (note) VALUES ('marker');");
    const T = new Date(Math.ceil((Date.now() + 1) / 1000) * 1000);
    const rowsAfter = async () => Number(await w.pg.sql('appdb', `SELECT count(*) FROM ledger WHERE pg_xact_commit_timestamp(xmin) > '${T.toISOString()}';`));
    await w.until('the writer wrote 5 rows after T', async () => (await rowsAfter()) >= 5);
    writing = false;
    await writer;
    const expected = (await w.pg.sql('appdb', `SELECT id FROM ledger WHERE pg_xact_commit_timestamp(xmin) <= '${T.toISOString()}' ORDER BY id;`)).split('\n');
    const total = Number(await w.pg.sql('appdb', 'SELECT count(*) FROM ledger;'));
    return { T, expected, total };
  } finally {
    writing = false;
    await writer.catch(() => undefined);
  }
}
