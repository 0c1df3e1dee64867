// A PostgreSQL cluster of the test's own (initdb, pg_ctl from /usr/lib/postgresql/15/bin) run as the
// `postgres` user on a random port with a private socket directory: the "main server" database of
// point-in-time recovery tests (wal_level=replica, a replication login). Stopped after the test file.
import { chmodSync, chownSync, mkdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { execa, execaSync } from 'execa';
import { registerCleanup } from './cleanup.js';
import { freePort } from './sshd.js';
import { makeTempDir } from './tmp.js';

export const PG_BIN = '/usr/lib/postgresql/15/bin';

export interface PgClusterOptions {
  /** Extra postgresql.conf lines. */
  conf?: string[];
}

export interface PgCluster {
  dataDir: string;
  /** Directory of its unix socket (nobody else's). */
  socketDir: string;
  port: number;
  /** The replication login pullback uses (password in `passFile`, .pgpass format). */
  replicationUser: string;
  replicationPassword: string;
  /** Runs SQL as the superuser over the socket; unaligned, tab-separated output. */
  sql(db: string, sql: string): Promise<string>;
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
}

/** The argv prefix running a command as `postgres` (PostgreSQL refuses root); empty when not root. */
export function asPostgres(): string[] {
  return userInfo().uid === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
}

async function asPg(file: string, args: string[], opts: { input?: string } = {}) {
  const [cmd, ...rest] = [...asPostgres(), file, ...args];
  return execa(cmd!, rest, { ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' }) });
}

/** A directory the `postgres` user owns (mode 0700), inside a test temp dir. */
export function postgresOwnedDir(prefix: string): string {
  const top = makeTempDir(prefix);
  chmodSync(top, 0o755);
  const dir = join(top, 'd');
  mkdirSync(dir, { mode: 0o700 });
  if (userInfo().uid === 0) {
    const pg = pgIds();
    chownSync(dir, pg.uid, pg.gid);
  }
  return dir;
}

function pgIds(): { uid: number; gid: number } {
  const line = execaSync('id', ['-u', 'postgres']).stdout;
  const gid = execaSync('id', ['-g', 'postgres']).stdout;
  return { uid: Number(line), gid: Number(gid) };
}

/** initdb + start of a fresh cluster with a replication user; stopped (immediate) after the test file. */
export async function startPgCluster(opts: PgClusterOptions = {}): Promise<PgCluster> {
  const base = postgresOwnedDir('pg-cluster-');
  const dataDir = join(base, 'data');
  const socketDir = join(base, 'sock');
  await asPg('mkdir', ['-m', '0700', socketDir]);
  await asPg(join(PG_BIN, 'initdb'), ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale', 'C']);
  const port = await freePort('127.0.0.1');
  const conf = [
    `port = ${port}`,
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${socketDir}'`,
    'wal_level = replica',
    'max_wal_senders = 10',
    'max_replication_slots = 10',
    "max_slot_wal_keep_size = '1GB'",
    'fsync = off',
    'synchronous_commit = on',
    "log_min_messages = 'warning'",
    ...(opts.conf ?? []),
  ];
  appendFileSync(join(dataDir, 'postgresql.conf'), `${conf.join('\n')}\n`);
  // The replication login by password over TCP (what the tunnel reaches); the superuser (the dumps, the
  // test itself) trusted.
  writeFileSync(
    join(dataDir, 'pg_hba.conf'),
    ['local all all trust', 'local replication all trust', 'host replication all 127.0.0.1/32 scram-sha-256', 'host all postgres 127.0.0.1/32 trust', 'host all all 127.0.0.1/32 scram-sha-256', ''].join('\n'),
  );
  const cluster: PgCluster = {
    dataDir,
    socketDir,
    port,
    replicationUser: 'pullback_repl',
    replicationPassword: `pw-${Math.random().toString(36).slice(2)}`,
    sql: async (db, sql) => (await asPg(join(PG_BIN, 'psql'), ['-h', socketDir, '-p', String(port), '-U', 'postgres', '-d', db, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-A', '-t', '-F', '\t'], { input: sql })).stdout,
    stop: async (mode = 'fast') => {
      await asPg(join(PG_BIN, 'pg_ctl'), ['-D', dataDir, '-m', mode, '-w', 'stop']).catch(() => undefined);
    },
    start: async () => {
      await asPg(join(PG_BIN, 'pg_ctl'), ['-D', dataDir, '-l', join(base, 'log'), '-w', '-t', '120', 'start']);
    },
  };
  await cluster.start();
  registerCleanup(() => cluster.stop('immediate'));
  await cluster.sql('postgres', `CREATE ROLE ${cluster.replicationUser} WITH LOGIN REPLICATION PASSWORD '${cluster.replicationPassword}';`);
  return cluster;
}

/** A .pgpass file (mode 0600) holding the replication user's password for any host and port. */
export function writePgPass(dir: string, c: PgCluster): string {
  const file = join(dir, 'replication.pgpass');
  writeFileSync(file, `*:*:*:${c.replicationUser}:${c.replicationPassword}\n`, { mode: 0o600 });
  return file;
}
