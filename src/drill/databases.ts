// The database part of a drill: each restored dump goes into a scratch database on the configured
// drill server (created and dropped by the drill; sqlite: the restored file itself), per-table row
// counts are compared with those read from the dump itself when it was verified, and the host's
// SQL restore checks run against it. Engines' client programs run on this machine.
import { randomBytes } from 'node:crypto';
import { decompressToFile } from '../tools/compress/decompress.js';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { DbConnection, GlobalConfig } from '../config/types.js';
import type { DatabaseEngine, EngineRunner } from '../engines/engine.js';
import { getEngine } from '../engines/registry.js';
import { localRunner } from '../engines/runner.js';
import { describeError } from '../errors.js';
import { checkPasses, checksFor, compareRowCounts, namesItsDatabase, nothingCompared, rowCountProblems, scratchDatabaseName, type TableComparison } from './database-plan.js';
import type { HostContext } from '../job/context.js';
import type { DumpRecord } from '../archive/manifest.js';

export interface RestoredDump {
  /** Archive path of the dump. */
  path: string;
  /** The restored (extracted) dump file. */
  file: string;
  source: string;
  record: DumpRecord;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  got?: string;
  expected: string;
  error?: string;
}

export interface DatabaseDrillResult {
  path: string;
  engine: string;
  database: string;
  /** unverified: restored without an error, but nothing (row counts, checks) was compared. */
  status: 'ok' | 'failed' | 'skipped' | 'unverified';
  /** Scratch database (or file) the dump was restored into. */
  scratch?: string;
  tables: TableComparison[];
  checks: CheckResult[];
  /** Why it failed, was skipped or is unverified. */
  error?: string;
  /** Something worth knowing that is not a failure (e.g. no row counts were recorded). */
  note?: string;
}

/** Restores each dump into a scratch database and compares it; one result per dump; never throws. */
export async function drillDatabases(ctx: HostContext, dumps: readonly RestoredDump[], drillId: number): Promise<DatabaseDrillResult[]> {
  const tag = randomBytes(3).toString('hex');
  const out: DatabaseDrillResult[] = [];
  for (const [i, d] of dumps.entries()) {
    if (ctx.signal?.aborted) break;
    const base = { path: d.path, engine: d.record.engine, database: d.record.database, tables: [], checks: [] };
    let r: DatabaseDrillResult;
    try {
      r = await drillOne(ctx, d, scratchDatabaseName(drillId, tag, i), base);
    } catch (e) {
      r = { ...base, status: 'failed', error: describeError(e) };
    }
    ctx.logger.info({ dump: d.path, status: r.status, scratch: r.scratch, error: r.error }, 'drill database result');
    out.push(r);
  }
  return out;
}

/** The drill server for an engine's dumps (MySQL dumps go to the mariadb server). */
export function drillConnection(global: GlobalConfig, engine: string): DbConnection {
  return engine === 'postgres' ? global.drill.database.postgres : global.drill.database.mariadb;
}

async function drillOne(ctx: HostContext, d: RestoredDump, scratch: string, base: Omit<DatabaseDrillResult, 'status'>): Promise<DatabaseDrillResult> {
  let engine: DatabaseEngine;
  try {
    engine = getEngine(d.record.engine);
  } catch {
    return { ...base, status: 'skipped', error: `no database engine named ${d.record.engine}` };
  }
  const run = localRunner({ logger: ctx.logger, signal: ctx.signal, timeoutMs: ctx.global.dumpTimeoutSeconds * 1000 });
  if (d.record.compression) {
    // Decompressed beside the extracted file in the drill's scratch directory; a stream that cannot be read whole is a failed dump.
    // Its own name: the archive may also hold an uncompressed dump of the same name (app.sql beside app.sql.gz), extracted here too.
    const plain = `${d.file}.decompressed`;
    const problem = await decompressToFile(d.record.compression, d.file, plain, { logger: ctx.logger, signal: ctx.signal, timeoutMs: ctx.global.dumpTimeoutSeconds * 1000 });
    if (problem) return { ...base, status: 'failed', error: problem };
    d = { ...d, file: plain };
  }
  if (d.record.format === 'globals') {
    // Roles are cluster-wide: applying them to the drill server would change it for everyone.
    const problem = await engine.checkDump(run, d.file, 'globals');
    return problem ? { ...base, status: 'failed', error: problem } : { ...base, status: 'ok', note: 'globals dump read completely; not applied' };
  }
  if (engine.name === 'sqlite') return drillSqlite(ctx, engine, run, d, base);
  if (engine.name === 'postgres' && d.record.format !== 'custom' && d.record.format !== 'sql') {
    return { ...base, status: 'failed', error: `a PostgreSQL ${d.record.format} dump cannot be loaded (custom format through pg_restore, plain SQL through psql)` };
  }
  if (engine.name !== 'postgres' && (await fileHasLine(d.file, namesItsDatabase))) {
    return { ...base, status: 'skipped', error: 'the dump switches to or creates its own database (USE / CREATE DATABASE): a drill restores only into scratch databases' };
  }

  const conn = drillConnection(ctx.global, engine.name);
  const label = `${scratch} on ${conn.host}:${conn.port}`;
  await run.run(engine.createDatabaseArgv(conn, scratch), { reason: `cannot create the scratch database ${label}` });
  try {
    try {
      // A plain SQL dump goes through psql with ON_ERROR_STOP in one transaction: a dump that fails half-way is a failed drill.
      await run.run(engine.restoreArgv(conn, scratch, d.file, { noOwner: true, format: d.record.format }), { reason: `restoring ${d.path} into ${label} failed` });
    } catch (e) {
      return { ...base, scratch, status: 'failed', error: describeError(e) };
    }
    const actual = await engine.rowCounts(run, conn, scratch);
    return await compareAndCheck(ctx, engine, run, conn, scratch, d, base, actual);
  } finally {
    try {
      await run.run(engine.dropDatabaseArgv(conn, scratch), { reason: `cannot drop the scratch database ${label}` });
    } catch (e) {
      ctx.logger.error({ err: describeError(e), scratch }, 'scratch database left behind: drop it by hand');
    }
  }
}

/** sqlite: the restored dump is itself a database file in the scratch directory; checked and read where it is. */
async function drillSqlite(ctx: HostContext, engine: DatabaseEngine, run: EngineRunner, d: RestoredDump, base: Omit<DatabaseDrillResult, 'status'>): Promise<DatabaseDrillResult> {
  const conn = { host: '', port: 0, user: '' };
  const problem = await engine.checkDump(run, d.file, 'sqlite');
  if (problem) return { ...base, scratch: d.file, status: 'failed', error: problem };
  const actual = await engine.rowCounts(run, conn, d.file);
  return compareAndCheck(ctx, engine, run, conn, d.file, d, base, actual);
}

async function compareAndCheck(
  ctx: HostContext,
  engine: DatabaseEngine,
  run: EngineRunner,
  conn: DbConnection,
  scratch: string,
  d: RestoredDump,
  base: Omit<DatabaseDrillResult, 'status'>,
  actual: Record<string, number>,
): Promise<DatabaseDrillResult> {
  const tables = compareRowCounts(d.record.rowCounts ?? {}, actual);
  const problems = d.record.rowCounts ? rowCountProblems(tables) : [];
  const checks: CheckResult[] = [];
  for (const c of checksFor(ctx.host.restore.checks, d.source, d.record.database)) {
    try {
      const got = (await run.run(engine.queryArgv(conn, scratch, c.sql.query), { reason: `check '${c.name}' failed` })).trim();
      checks.push({ name: c.name, ok: checkPasses(got, c.sql.expect), got, expected: c.sql.expect });
    } catch (e) {
      checks.push({ name: c.name, ok: false, expected: c.sql.expect, error: describeError(e) });
    }
  }
  for (const c of checks.filter((x) => !x.ok)) problems.push(`check '${c.name}' ${c.error ? `failed: ${c.error}` : `returned ${JSON.stringify(c.got)}, expected ${JSON.stringify(c.expected)}`}`);
  if (problems.length > 0) return { ...base, scratch, tables, checks, status: 'failed', error: problems.join('; ') };
  const unverified = nothingCompared(d.record.rowCounts, tables, checks.length);
  if (unverified) return { ...base, scratch, tables, checks, status: 'unverified', error: unverified };
  const note = d.record.rowCounts ? undefined : 'no row counts were recorded at dump time: restored, only the SQL checks compared';
  return { ...base, scratch, tables, checks, status: 'ok', note };
}

/** Whether any line of a (text) file satisfies `test`; streamed. */
async function fileHasLine(file: string, test: (line: string) => boolean): Promise<boolean> {
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  try {
    for await (const line of rl) if (test(line)) return true;
    return false;
  } finally {
    rl.close();
  }
}
