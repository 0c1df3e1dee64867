// The database half of the safety snapshot: each target database the restore will overwrite is
// dumped on the target with its engine, then pulled into the snapshot's staging folder; databases
// that do not exist yet are recorded as absent (a rollback drops them).
import { mkdirSync } from 'node:fs';
import { posix } from 'node:path';
import type { DumpRecord } from '../archive/manifest.js';
import { getEngine } from '../engines/registry.js';
import type { PlannedStep } from './plan.js';
import { rsyncPull } from '../tools/rsync/run.js';
import { remoteSha256, remoteStat } from '../tools/ssh/remote.js';
import { rsyncVia, type RestoreContext } from './context.js';
import { databaseExists, databaseLabel, targetRowCounts, targetRunner } from './db-facts.js';
import { withRemoteTemp } from './remote-temp.js';

export interface DatabaseSnapshot {
  dumps: DumpRecord[];
  absent: Array<{ engine: string; database: string }>;
}

/** A file name for a database's dump: its position and a tamed name (sqlite databases are paths). */
function dumpName(index: number, database: string, extension: string): string {
  const tame = posix.basename(database).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80);
  return `${index + 1}-${tame}${extension}`;
}

/** Dumps the target databases of `step` into `dest` (a local folder); throws on the first failure. */
export async function snapshotDatabases(ctx: RestoreContext, step: PlannedStep, dest: string): Promise<DatabaseSnapshot> {
  mkdirSync(dest, { recursive: true });
  const out: DatabaseSnapshot = { dumps: [], absent: [] };
  const present: PlannedStep['databases'] = [];
  for (const db of step.databases) {
    if (await databaseExists(ctx, db.engine, db.connection, db.database)) present.push(db);
    else out.absent.push({ engine: db.engine, database: db.database });
  }
  if (present.length === 0) return out;
  await withRemoteTemp(ctx, async (tmp) => {
    for (const [i, db] of present.entries()) {
      const engine = getEngine(db.engine);
      const file = dumpName(i, db.database, engine.dumpFormat.extension);
      const remote = posix.join(tmp, file);
      const label = databaseLabel(db.engine, db.database, db.connection);
      const run = targetRunner(ctx, ctx.global.dumpTimeoutSeconds * 1000);
      const serverVersion = engine.parseVersion(await run.run(engine.versionArgv(db.connection), { reason: `cannot read the version of ${label}` }));
      // A rollback onto a server where the database is gone re-creates it with these, as a restore does.
      const properties = engine.properties ? await engine.properties(run, db.connection, db.database) : undefined;
      const startedAt = new Date().toISOString();
      await run.run(engine.dumpArgv(db.connection, db.database, remote), { reason: `safety dump of ${label} failed` });
      const endedAt = new Date().toISOString();
      const rowCounts = engine.countsFromDump
        ? await engine.rowCounts(targetRunner(ctx), db.connection, remote)
        : await targetRowCounts(ctx, db.engine, db.connection, db.database);
      const st = await remoteStat(ctx.session, remote);
      out.dumps.push({
        file,
        engine: db.engine,
        database: db.database,
        format: engine.dumpFormat.format,
        serverVersion,
        startedAt,
        endedAt,
        size: st?.size ?? 0,
        sha256: await remoteSha256(ctx.session, remote),
        rowCounts,
        ...(properties ? { properties } : {}),
      });
    }
    const pulled = await rsyncPull(ctx.global, ctx.target, { name: step.source, kind: step.kind, path: tmp, exclude: [] }, dest, { ...rsyncVia(ctx), role: 'restore' });
    if (pulled.verdict.kind !== 'ok') throw new Error(`pulling the safety dumps: ${'reason' in pulled.verdict ? pulled.verdict.reason : ''}`);
  });
  return out;
}
