// SQLite: the online backup API through the sqlite3 shell (`.backup`), never a plain copy of a
// live file. A "database" is a file path; the connection is ignored. The source is opened
// read-only, so a wrong path fails instead of creating an empty database.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstToken, parseHexCounts, parseHexLines, type DatabaseEngine, type DatabaseProperties, type DumpReading, type EngineRunner } from './engine.js';

/** How long sqlite3 waits for a lock held by the application before giving up (ms). */
const BUSY_TIMEOUT_MS = 10_000;

/** An argument of a sqlite3 dot-command: double-quoted, with `\` escapes the shell resolves. */
export function sqliteDotArg(value: string): string {
  const escaped = value.replace(/[\\"\n\r\t]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\${c}`));
  return `"${escaped}"`;
}

/** A double-quoted SQL identifier. */
export function sqliteIdent(name: string): string {
  return `"${name.split('"').join('""')}"`;
}

function shell(file: string, ...commands: string[]): string[] {
  return ['sqlite3', '-bail', '-batch', '-noheader', '-separator', '\t', '-cmd', `.timeout ${BUSY_TIMEOUT_MS}`, file, ...commands];
}

function readonly(file: string, ...commands: string[]): string[] {
  const argv = shell(file, ...commands);
  argv.splice(1, 0, '-readonly');
  return argv;
}

const LIST_TABLES_SQL = "SELECT hex(name) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name";

/**
 * Integrity check of a database file, then (when `count`) its rows per table; both run on a copy
 * so the file itself is never opened for writing.
 */
async function readDatabaseFile(run: EngineRunner, file: string, count: boolean): Promise<DumpReading> {
  const dir = mkdtempSync(join(tmpdir(), 'pullback-sqlite-check-'));
  try {
    const copy = join(dir, 'copy.db');
    copyFileSync(file, copy);
    let out: string;
    try {
      out = await run.run(shell(copy, 'PRAGMA integrity_check'), { reason: 'sqlite3 cannot read the dump' });
    } catch (e) {
      return { problem: (e as Error).message };
    }
    const verdict = out.trim();
    if (verdict !== 'ok') return { problem: `PRAGMA integrity_check failed: ${verdict.split('\n').slice(0, 3).join('; ')}` };
    if (!count) return {};
    try {
      return { rowCounts: await countRows(run, copy) };
    } catch (e) {
      return { problem: (e as Error).message };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function countRows(run: EngineRunner, database: string): Promise<Record<string, number>> {
  const tables = parseHexLines(await run.run(readonly(database, LIST_TABLES_SQL), { reason: `cannot list the tables of ${database}` }));
  if (tables.length === 0) return {};
  // The query goes on stdin: thousands of tables would not fit in one argument.
  const sql = tables.map((t) => `SELECT '${Buffer.from(t, 'utf8').toString('hex')}', count(*) FROM ${sqliteIdent(t)}`).join('\nUNION ALL\n');
  return parseHexCounts(await run.run(readonly(database), { reason: `cannot count rows in ${database}`, input: `${sql};\n` }));
}

/**
 * The file's mode (4 octal digits), numeric owner and journal mode. The journal mode is read from
 * the header (bytes 18-19 are 2 in WAL mode), not by opening the file: a read-only connection to a
 * WAL database leaves -wal and -shm files beside it. Throws ToolError when the file cannot be read.
 */
async function fileProperties(run: EngineRunner, file: string): Promise<DatabaseProperties> {
  const st = (await run.run(['stat', '-L', '-c', '%a %u %g', '--', file], { reason: `cannot read the mode and owner of ${file}` })).trim().split(' ');
  const header = (await run.run(['od', '-An', '-tu1', '-j18', '-N2', '--', file], { reason: `cannot read the header of ${file}` })).trim().split(/\s+/);
  if (st.length !== 3 || !st.every((v) => /^\d+$/.test(v))) throw new Error(`unexpected stat output for ${file}: ${JSON.stringify(st.join(' '))}`);
  return { mode: st[0]!.padStart(4, '0'), owner: `${st[1]}:${st[2]}`, 'journal mode': header[0] === '2' ? 'wal' : 'delete' };
}

/** argv switching the database file `file` to WAL mode (on a copy nothing else has open: the last close folds the WAL back). */
export function walModeArgv(file: string): string[] {
  return shell(file, 'PRAGMA journal_mode = WAL');
}

export const sqliteEngine: DatabaseEngine = {
  name: 'sqlite',
  dumpFormat: { extension: '.sqlite', format: 'sqlite' },
  countsFromDump: true,

  versionArgv: () => ['sqlite3', '--version'],
  parseVersion: (stdout) => firstToken(stdout, 'sqlite3'),
  listDatabasesArgv: () => {
    throw new Error('sqlite has no server to list databases of: list the database files');
  },
  parseDatabaseList: () => [],

  // The copy is switched from WAL to a rollback journal so it is one self-contained file that
  // opens read-only without leaving -wal/-shm files beside it.
  dumpArgv: (_conn, database, outFile) =>
    readonly(database, `.backup ${sqliteDotArg(outFile)}`, `.open ${sqliteDotArg(outFile)}`, 'PRAGMA journal_mode = DELETE'),

  rowCounts: (run, _conn, database) => countRows(run, database),

  checkDump: async (run, file) => (await readDatabaseFile(run, file, false)).problem,
  readDump: (run, file) => readDatabaseFile(run, file, true),

  restoreArgv(_conn, database, dumpFile) {
    if (dumpFile === undefined) throw new Error('a sqlite restore reads a dump file, not stdin');
    return shell(database, `.restore ${sqliteDotArg(dumpFile)}`);
  },
  properties: (run, _conn, database) => fileProperties(run, database),
  queryArgv: (_conn, database, sql) => readonly(database, sql),
  createDatabaseArgv: (_conn, database) => ['touch', '--', database],
  dropDatabaseArgv: (_conn, database) => ['rm', '-f', '--', database, `${database}-wal`, `${database}-shm`, `${database}-journal`],
};
