// MariaDB/MySQL binary logs as pure argv builders and output parsers: mariadb-binlog (mysqlbinlog)
// receiving the logs raw from the server, the probe of how far the server's log reached
// (SHOW MASTER STATUS, SHOW BINARY LOGS), and the replay of received logs from a dump's position up
// to a time. They run on the backup host against the tunnel's local socket; the password comes
// from an option file (`--defaults-extra-file`, honoured only as the very first option), never argv.

/** Where the tools are run from: the tunnel's local socket, the replication login, its option file. */
export interface BinlogConnection {
  socket: string;
  user: string;
  passwordFile?: string;
}

export interface BinlogPrograms {
  /** `mariadb-binlog` or `mysqlbinlog`. */
  binlog: string;
  /** `mariadb` or `mysql`. */
  client: string;
}

/** The programs of the engine's family. */
export function binlogPrograms(engine: 'mariadb' | 'mysql'): BinlogPrograms {
  return engine === 'mysql' ? { binlog: 'mysqlbinlog', client: 'mysql' } : { binlog: 'mariadb-binlog', client: 'mariadb' };
}

function conn(c: BinlogConnection): string[] {
  const pre = c.passwordFile ? [`--defaults-extra-file=${c.passwordFile}`] : ['--no-defaults'];
  return [...pre, '--protocol=SOCKET', `--socket=${c.socket}`, `--user=${c.user}`];
}

/**
 * mariadb-binlog receiving the server's binary logs into `dir` from `firstFile` on, each written
 * under its own name (`--raw`, every event as the server sent it, flushed as it comes), following
 * the server's rotations and waiting for new events (`--stop-never`) until the connection is lost.
 */
export function buildReceiveBinlogArgs(c: BinlogConnection, dir: string, firstFile: string): string[] {
  return [...conn(c), '--read-from-remote-server', '--raw', '--stop-never', `--result-file=${dir.endsWith('/') ? dir : `${dir}/`}`, firstFile];
}

export const PROBE_SQL = "SELECT 'MASTER'; SHOW MASTER STATUS; SELECT 'LOGS'; SHOW BINARY LOGS";

/** The client asking the server where its binary log stands and which logs it still has (PROBE_SQL). */
export function buildBinlogProbeArgs(c: BinlogConnection): string[] {
  return [...conn(c), '--batch', '--skip-column-names', '-e', PROBE_SQL];
}

export interface BinlogProbe {
  /** The file the server writes now and its position in it. */
  file: string;
  position: number;
  /** The binary logs the server still has, oldest first. */
  logs: string[];
}

/** PROBE_SQL's answer; undefined when it is not one (no binary log: log_bin off). Pure. */
export function parseBinlogProbe(stdout: string): BinlogProbe | undefined {
  let part = '';
  let master: { file: string; position: number } | undefined;
  const logs: string[] = [];
  for (const line of stdout.split('\n')) {
    if (line === 'MASTER' || line === 'LOGS') {
      part = line;
      continue;
    }
    if (line.trim() === '') continue;
    const cols = line.split('\t');
    if (part === 'MASTER' && cols.length >= 2 && /^\d+$/.test(cols[1]!)) master = { file: cols[0]!, position: Number(cols[1]) };
    else if (part === 'LOGS' && cols[0]) logs.push(cols[0]);
  }
  return master ? { ...master, logs } : undefined;
}

/**
 * mariadb-binlog printing, as SQL, the events of `files` (in order) for `database` from `startPosition`
 * of the first file up to (not including) the first event at or after `stopDatetime` (`YYYY-MM-DD
 * HH:MM:SS`, read in the process's time zone: run it with TZ=UTC), or to the end without one.
 * `--database` keeps only the events of that database (row events by their table's database;
 * statements by their default database, see docs/pitr.md).
 */
export function buildReplayArgs(programs: BinlogPrograms, files: readonly string[], database: string, startPosition: number, stopDatetime?: string): string[] {
  return [programs.binlog, '--no-defaults', `--database=${database}`, `--start-position=${startPosition}`, ...(stopDatetime ? [`--stop-datetime=${stopDatetime}`] : []), '--', ...files];
}
