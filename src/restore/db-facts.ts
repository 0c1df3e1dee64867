// Questions asked of the target's database servers over SSH: reachable and which version (for the
// readiness checklist), whether a database exists, and its per-table row counts.
import type { DbConnection, DumpEngine } from '../config/types.js';
import { getEngine } from '../engines/registry.js';
import { sshRunner } from '../engines/runner.js';
import type { EngineRunner } from '../engines/engine.js';
import { describeError } from '../errors.js';
import type { RestorePlan } from './plan.js';
import type { DatabaseFact } from './readiness-verdict.js';
import { isGateRefusal, remotePathExists } from '../tools/ssh/remote.js';
import type { DumpRecord } from '../archive/manifest.js';
import type { RestoreContext } from './context.js';

const QUERY_TIMEOUT_MS = 60_000;

/** An engine runner over the context's SSH session. */
export function targetRunner(ctx: RestoreContext, timeoutMs = QUERY_TIMEOUT_MS): EngineRunner {
  return sshRunner(ctx.session, { timeoutMs, signal: ctx.signal, logger: ctx.logger });
}

/** A short label for a database on the target, e.g. `postgres appdb on 127.0.0.1:5432`. */
export function databaseLabel(engine: DumpEngine, database: string, conn: DbConnection): string {
  return engine === 'sqlite' ? `sqlite ${database}` : `${engine} ${database} on ${conn.host}:${conn.port}`;
}

/** The server version of each database of the plan (one query per server), with the dump's version beside it. */
export async function databaseFacts(ctx: RestoreContext, plan: RestorePlan): Promise<DatabaseFact[]> {
  const facts: DatabaseFact[] = [];
  const versions = new Map<string, { version?: string; error?: string }>();
  for (const step of plan.steps) {
    for (const db of step.databases) {
      const key = `${db.engine}\0${db.connection.host}\0${db.connection.port}\0${db.connection.user}`;
      if (!versions.has(key)) versions.set(key, await serverVersion(ctx, db.engine, db.connection));
      const v = versions.get(key)!;
      const load = await loadFact(ctx, db.engine, db.dump);
      facts.push({
        load,
        label: databaseLabel(db.engine, db.database, db.connection),
        reachable: v.version !== undefined,
        version: v.version,
        dumpVersion: db.dump.serverVersion,
        error: v.error,
      });
    }
  }
  return facts;
}

/** The formats each engine's restore loads: postgres custom through pg_restore and plain SQL through psql, mariadb/mysql SQL, sqlite files. */
const LOADABLE: Record<string, Record<string, string>> = {
  postgres: { custom: 'PostgreSQL custom format, through pg_restore', sql: 'plain SQL, through psql with ON_ERROR_STOP' },
  mariadb: { sql: 'SQL, through the mariadb client' },
  mysql: { sql: 'SQL, through the mysql client' },
  sqlite: { sqlite: 'SQLite database file' },
};

/**
 * Whether the restore can load `dump`'s format on the target: a format it has a loader for, and for
 * plain PostgreSQL SQL a psql the login may run with a script holding backslash lines, which the
 * restricted restore key's gate refuses (COPY data ends with `\.`; it cannot tell data from
 * meta-commands). Asked before anything changes, so a refusal never comes after writes stopped.
 */
async function loadFact(ctx: RestoreContext, engine: DumpEngine, dump: DumpRecord): Promise<{ format: string; problem?: string }> {
  const how = LOADABLE[engine]?.[dump.format];
  const format = `${how ?? `${engine} ${dump.format}`}${dump.compression ? ` (${dump.compression}-compressed: decompressed on the backup host before it is pushed)` : ''}`;
  if (!how) return { format, problem: `a restore cannot load a ${engine} ${dump.format} dump` };
  if (engine !== 'postgres' || dump.format !== 'sql') return { format };
  try {
    await targetRunner(ctx).run(['psql', '--version'], { reason: 'psql cannot run on the target' });
    return { format };
  } catch (e) {
    if (isGateRefusal(e)) {
      return {
        format,
        problem:
          "the restore key's forced command (pullback-gate) refuses psql scripts with backslash lines, and a plain pg_dump file's COPY data has them: " +
          "restore with a key the gate does not restrict (without keys.restore in the host file pullback logs in with ssh.identity_file), or have the server's cron write pg_dump --format=custom",
      };
    }
    return { format, problem: `${describeError(e)}: a plain SQL dump is loaded with psql on the target` };
  }
}

async function serverVersion(ctx: RestoreContext, name: DumpEngine, conn: DbConnection): Promise<{ version?: string; error?: string }> {
  const engine = getEngine(name);
  try {
    const out = await targetRunner(ctx).run(engine.versionArgv(conn), { reason: `${name} server at ${conn.host}:${conn.port} did not answer` });
    return { version: engine.parseVersion(out) };
  } catch (e) {
    return { error: describeError(e) };
  }
}

/** Whether `database` exists on the target's server (sqlite: whether the file exists); throws ToolError. */
export async function databaseExists(ctx: RestoreContext, name: DumpEngine, conn: DbConnection, database: string): Promise<boolean> {
  if (name === 'sqlite') return remotePathExists(ctx.session, database);
  const engine = getEngine(name);
  const out = await targetRunner(ctx).run(engine.listDatabasesArgv(conn), { reason: `cannot list the databases of ${conn.host}:${conn.port}` });
  return engine.parseDatabaseList(out).includes(database);
}

/** Per-table row counts of `database` on the target; throws ToolError. */
export async function targetRowCounts(ctx: RestoreContext, name: DumpEngine, conn: DbConnection, database: string): Promise<Record<string, number>> {
  return getEngine(name).rowCounts(targetRunner(ctx, 30 * 60_000), conn, database);
}
