// A restore of dumps made now on the backup host (not extracted from an archive): `restore --at`
// without --into dumps databases from a scratch cluster recovered to a point in time and hands them
// here. They become a plan of one database step and a staging already in place, which the ordinary
// restore (checklist, safety snapshot, fresh database + swap, data checks, rollback) then carries out
// exactly as for a night's dump: the staging's SHA-256 and row counts are those read from the files.
import { mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { DumpRecord } from '../archive/manifest.js';
import { ENGINE_CONNECTION } from '../config/defaults.js';
import type { DumpEngine, HostConfig, SourceConfig } from '../config/types.js';
import { getEngine } from '../engines/registry.js';
import { localRunner } from '../engines/runner.js';
import { JobError } from '../errors.js';
import type { Logger } from 'pino';
import { sha256OfFile } from './dump-digests.js';
import { REPLACED, type PlannedDatabase, type RestorePlan } from './plan.js';
import type { Staging } from './staging.js';

export interface SuppliedDump {
  /** The database it is restored into (the same name it had). */
  database: string;
  /** The dump file in the engine's own format (pg_dump custom, mariadb-dump SQL), on this host. */
  file: string;
  /** When the state it holds was current (the recovery target), ISO. */
  takenAt: string;
  /** The database's own properties as the dump's source had them (mariadb: character sets and collations), for the restore to apply and check. */
  properties?: Record<string, string>;
  /** The version of the server the dumped state comes from. */
  serverVersion?: string;
}

/** Where the dumps are staged (`<dir>/<source>/<file>`), as the staging of an archive's restore. */
export function suppliedStagingDir(dir: string, source: string): string {
  return join(dir, source);
}

/**
 * The dump records of `dumps` (each read whole by the engine: complete, its rows counted; its
 * SHA-256), the files moved into `stageDir`. Throws JobError for a dump that does not read back.
 */
export async function recordSuppliedDumps(dumps: readonly SuppliedDump[], stageDir: string, logger: Logger, timeoutMs: number, engineName: DumpEngine = 'postgres'): Promise<DumpRecord[]> {
  mkdirSync(stageDir, { recursive: true, mode: 0o700 });
  const engine = getEngine(engineName);
  const format = engine.dumpFormat.format;
  const run = localRunner({ logger, timeoutMs });
  const out: DumpRecord[] = [];
  for (const d of dumps) {
    const file = basename(d.file);
    const staged = join(stageDir, file);
    if (staged !== d.file) renameSync(d.file, staged);
    const reading = await engine.readDump(run, staged, format);
    if (reading.problem) throw new JobError(`the dump of ${d.database} made from the scratch ${engineName === 'postgres' ? 'cluster' : 'server'} does not read back: ${reading.problem}`);
    const checks = format === 'custom' ? ['pg_restore'] : ['trailer', 'insert_rows'];
    out.push({ file, engine: engineName, database: d.database, format, startedAt: d.takenAt, endedAt: d.takenAt, ...(d.serverVersion ? { serverVersion: d.serverVersion } : {}), ...(d.properties ? { properties: d.properties } : {}), size: statSync(staged).size, sha256: await sha256OfFile(staged), ...(reading.rowCounts ? { rowCounts: reading.rowCounts } : {}), verified: ['sha256', ...checks] });
  }
  return out;
}

/**
 * The plan restoring `dumps` (of `source`) onto `target`: one database step, each database replaced
 * as a night's dump would be. `label` names what they come from in place of an archive.
 */
export function suppliedPlan(p: { host: string; target: HostConfig; source: SourceConfig; repository: string; label: string; createdAt: string; dumps: readonly DumpRecord[] }): RestorePlan {
  const engine: DumpEngine = p.source.dump?.engine ?? 'postgres';
  const connection = p.source.dump?.connection ?? { ...ENGINE_CONNECTION[engine] };
  const databases: PlannedDatabase[] = p.dumps.map((dump) => ({ engine, database: dump.database, sourceDatabase: dump.database, connection, dump }));
  const t = p.target;
  return {
    host: p.host,
    target: { name: t.name, address: t.address, port: t.port, user: t.user },
    repository: p.repository,
    archive: p.label,
    createdAt: p.createdAt,
    steps: [
      {
        order: 1,
        source: p.source.name,
        kind: 'database',
        mode: 'databases',
        targetPath: p.source.path,
        exclude: [],
        bytes: p.dumps.reduce((n, d) => n + d.size, 0),
        files: p.dumps.length,
        databases,
        drops: [],
        overwrites: databases.map((db) => `${engine} database ${db.database} on ${connection.host}:${connection.port} of ${t.name} (${REPLACED[engine]})`).join('; '),
        notes: [engine === 'postgres' ? 'the other databases of the cluster are left as they are' : 'the other databases of the server are left as they are'],
      },
    ],
    notSelected: [],
  };
}

/** A staging whose files are already in place under `dir` (read back when they were recorded); dispose removes it. */
export function suppliedStaging(dir: string, source: string, readBackBy = 'dumps made now from a scratch cluster recovered from this archive and its WAL, each read whole by pg_restore (rows counted) and its SHA-256 taken'): Staging {
  return {
    ahead: [source],
    dirOf: (s) => join(dir, s),
    settled: async () => true,
    error: () => undefined,
    took: () => 0,
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
    readBackBy,
  };
}
