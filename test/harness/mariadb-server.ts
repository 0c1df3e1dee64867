// A MariaDB server of the test's own (mariadb-install-db, mariadbd) on a random port of 127.0.0.1
// with binary logs on (ROW format) and a private socket: the "main server" database of binary log
// point-in-time recovery tests. Its users: root over the socket, `pbroot` (everything, no password)
// over TCP for the dumps and restores, and the replication login pullback's receiver uses (REPLICATION
// SLAVE and BINLOG MONITOR only, its password in an option file). Stopped after the test file.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { registerCleanup, registerPid } from './cleanup.js';
import { freePort } from './sshd.js';
import { makeTempDir } from './tmp.js';

export interface MariadbServer {
  dataDir: string;
  socket: string;
  port: number;
  /** The TCP login with every privilege (dumps and restores). */
  user: string;
  replicationUser: string;
  replicationPassword: string;
  /** Runs SQL as root over the socket (tab-separated, no headers). */
  sql(db: string | undefined, sql: string): Promise<string>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** mariadb-install-db + mariadbd with log-bin; stopped (SIGKILL) after the test file. */
export async function startMariadbServer(): Promise<MariadbServer> {
  const base = makeTempDir('mariadb-server-');
  const dataDir = join(base, 'data');
  const socket = join(base, 'sock');
  await execa('mariadb-install-db', ['--no-defaults', `--datadir=${dataDir}`, '--skip-test-db', '--user=root', '--auth-root-authentication-method=socket'], { stdin: 'ignore' });
  const port = await freePort('127.0.0.1');
  let proc: ResultPromise | undefined;
  const sql = async (db: string | undefined, text: string) =>
    (await execa('mariadb', ['--no-defaults', `--socket=${socket}`, '-u', 'root', '--batch', '--skip-column-names', ...(db ? [`--database=${db}`] : []), '-e', text], { stdin: 'ignore' })).stdout;
  const server: MariadbServer = {
    dataDir,
    socket,
    port,
    user: 'pbroot',
    replicationUser: 'pullback_repl',
    replicationPassword: `pw-${Math.random().toString(36).slice(2)}`,
    sql,
    start: async () => {
      proc = execa(
        'mariadbd',
        ['--no-defaults', `--datadir=${dataDir}`, `--socket=${socket}`, `--port=${port}`, '--bind-address=127.0.0.1', '--skip-name-resolve', `--log-bin=${join(dataDir, 'mysql-bin')}`, '--server-id=7', '--binlog-format=ROW', '--innodb-flush-log-at-trx-commit=2', '--user=root', `--log-error=${join(base, 'error.log')}`],
        { stdin: 'ignore', reject: false },
      );
      const forget = registerPid(proc.pid!);
      void proc.finally(forget);
      const end = Date.now() + 120_000;
      for (;;) {
        try {
          await sql(undefined, 'SELECT 1');
          return;
        } catch (e) {
          if (proc.exitCode !== null || Date.now() > end) throw new Error(`mariadbd did not start: ${String(e)}`);
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    },
    stop: async () => {
      if (!proc || proc.exitCode !== null) return;
      proc.kill('SIGKILL');
      await proc;
    },
  };
  await server.start();
  registerCleanup(() => server.stop());
  await sql(
    undefined,
    [
      "CREATE USER pbroot@'127.0.0.1'",
      "GRANT ALL PRIVILEGES ON *.* TO pbroot@'127.0.0.1' WITH GRANT OPTION",
      `CREATE USER ${server.replicationUser}@'127.0.0.1' IDENTIFIED BY '${server.replicationPassword}'`,
      `GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO ${server.replicationUser}@'127.0.0.1'`,
    ].join(';'),
  );
  return server;
}

/** The replication login's option file (mode 0600: `[client]`, `password=...`). */
export function writeMyCnf(dir: string, m: MariadbServer): string {
  const file = join(dir, 'replication.cnf');
  writeFileSync(file, `[client]\npassword=${m.replicationPassword}\n`, { mode: 0o600 });
  return file;
}
