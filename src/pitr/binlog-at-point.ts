// A MariaDB source brought to a point in time on the backup host: the night's dump of each database
// (from the plan's archive, with the binary log position it recorded) loaded into a scratch server,
// the binary logs gathered (the archives' copies from the plan's on, then the receiver's own; of two
// copies of one log the longer, as logs only grow), checked for a missing log, and replayed with
// `mariadb-binlog --database=DB --start-position=P --stop-datetime=T`, then each database dumped
// again. `restore --at` hands those dumps to the ordinary restore (fresh database, swap, rollback).
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { DumpRecord } from '../archive/manifest.js';
import type { Catalog } from '../catalog/catalog.js';
import { runDumpRecords } from '../catalog/pitr.js';
import { binlogPrograms, buildReplayArgs } from '../engines/mariadb-binlog.js';
import { CHARSET, COLLATION, myIdent, parseMariadbProperties } from '../engines/mariadb.js';
import { PROPERTIES_SQL } from '../engines/mariadb-argv.js';
import { JobError } from '../errors.js';
import { runCommand, toolErrorFrom } from '../exec/run.js';
import { extractArchive } from '../tools/borg/extract.js';
import type { BorgContext } from '../tools/borg/run.js';
import { binlogContinuity, describeMissingBinlogs } from './binlog-files.js';
import { archivedBinlogPath } from './paths.js';
import type { PitrPlan } from './restore-plan.js';
import { scratchClientArgs, startScratchMariadb, type ScratchMariadb } from './scratch-mariadb.js';

/** The night's dump record of each of `databases` in the plan's archive, with its binary log position; throws JobError. */
export function startingDumps(catalog: Catalog, plan: PitrPlan, databases: readonly string[]): Array<DumpRecord & { binlogPosition: { file: string; position: number } }> {
  if (plan.base.runId === undefined) throw new JobError(`the starting point in ${plan.base.archive} names no run`);
  const records = runDumpRecords(catalog, plan.base.runId, plan.host, plan.source) as DumpRecord[];
  return databases.map((db) => {
    const r = records.find((x) => x.database === db && x.binlogPosition);
    if (!r?.binlogPosition) throw new JobError(`archive ${plan.base.archive} holds no dump of ${db} with a binary log position (source ${plan.source})`);
    return r as DumpRecord & { binlogPosition: { file: string; position: number } };
  });
}

/** `YYYY-MM-DD HH:MM:SS` (UTC) of the first second after `at`'s: --stop-datetime that keeps every event logged in the target's second or before. */
export function stopDatetime(at: Date): string {
  const next = new Date(Math.floor(at.getTime() / 1000) * 1000 + 1000);
  return next.toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
}

/** Copies the binary logs of `from` into `to`, keeping the longer of two copies of one log. */
function gatherLogs(from: string, to: string): void {
  if (!existsSync(from)) return;
  for (const f of readdirSync(from)) {
    if (!binlogContinuity([f]).newest) continue;
    const dest = join(to, f);
    if (existsSync(dest) && statSync(dest).size >= statSync(join(from, f)).size) continue;
    copyFileSync(join(from, f), dest);
  }
}

export interface BinlogAtPoint {
  dumps: Array<{ database: string; file: string; properties: Record<string, string>; serverVersion?: string }>;
  logs: number;
  newest?: string;
}

/** Recovers `databases` of `plan` to its target in a scratch server under the work folder and dumps each into `work/dumps`; the server is removed before it returns. Throws JobError / ToolError. */
export async function binlogAtPoint(
  borg: BorgContext,
  catalog: Catalog,
  plan: PitrPlan,
  p: { work: string; engine: 'mariadb' | 'mysql'; receivedDir: string; databases: readonly string[]; logger: Logger; timeoutMs: number; signal?: AbortSignal },
): Promise<BinlogAtPoint> {
  if (p.engine === 'mysql') throw new JobError('restore --at of a MySQL source is not built yet: the received binary logs and the dumps are in the archives; replay them by hand (docs/pitr.md)');
  const dumps = startingDumps(catalog, plan, p.databases);
  // The dumps, from the plan's archive.
  const base = join(p.work, 'base');
  await extractArchive(borg, plan.repository, plan.base.archive, base, { exact: dumps.map((d) => `${plan.source}/${d.file}`) });
  // The logs: every archive's copy from the plan's on, then the receiver's own.
  const logs = join(p.work, 'binlog');
  mkdirSync(logs, { recursive: true, mode: 0o700 });
  for (const [i, archive] of plan.walArchives.entries()) {
    const to = join(p.work, `logs-${i}`);
    await extractArchive(borg, plan.repository, archive, to, { prefix: [archivedBinlogPath(plan.source)] });
    gatherLogs(join(to, archivedBinlogPath(plan.source)), logs);
  }
  gatherLogs(p.receivedDir, logs);
  const earliest = dumps.map((d) => d.binlogPosition.file).sort()[0]!;
  const cont = binlogContinuity(readdirSync(logs), earliest);
  if (cont.missing.length > 0) throw new JobError(`the binary logs from the dump's position on have a gap: ${describeMissingBinlogs(cont.missing)}; restore to a point before it, or from a later night`);
  const programs = binlogPrograms(p.engine);
  const run = async (file: string, args: string[], reason: string, extra: { stdoutFd?: number; env?: Record<string, string>; captureStdout?: boolean } = {}) => {
    const r = await runCommand(file, args, { logger: p.logger, timeoutMs: p.timeoutMs, signal: p.signal, ...extra });
    if (r.exitCode !== 0) throw toolErrorFrom(r, reason);
    return r.stdout ?? '';
  };
  const scratch: ScratchMariadb = await startScratchMariadb(p.logger, p.timeoutMs, p.signal);
  try {
    const client = (db?: string) => [...scratchClientArgs(scratch), '--batch', ...(db ? [`--database=${db}`] : [])];
    const outDir = join(p.work, 'dumps');
    mkdirSync(outDir, { recursive: true, mode: 0o700 });
    const out: BinlogAtPoint['dumps'] = [];
    for (const [i, d] of dumps.entries()) {
      const db = d.database;
      // With the database's own defaults as dumped: tables and routines the replay creates take them.
      const charset = d.properties?.[CHARSET];
      const collation = d.properties?.[COLLATION];
      const defaults = charset && /^\w+$/.test(charset) ? ` CHARACTER SET ${charset}${collation && /^\w+$/.test(collation) ? ` COLLATE ${collation}` : ''}` : '';
      await run(programs.client, [...client(), '-e', `CREATE DATABASE ${myIdent(db)}${defaults}`], `cannot create ${db} in the scratch server`);
      await run(programs.client, [...client(db), '--abort-source-on-error', '-e', `source ${join(base, plan.source, d.file)}`], `loading the dump of ${db} into the scratch server failed`);
      // The events of this database from the dump's position to the target, as SQL (UTC: mariadb-binlog reads --stop-datetime in its time zone).
      const files = cont.files.filter((f) => f.seq >= (binlogContinuity([d.binlogPosition.file]).newest?.seq ?? 0)).map((f) => join(logs, f.name));
      const sql = join(p.work, `replay-${i + 1}.sql`);
      const fd = openSync(sql, 'w', 0o600);
      try {
        const stop = plan.target.kind === 'time' ? stopDatetime(plan.target.at) : undefined;
        const [tool, ...args] = buildReplayArgs(programs, files, db, d.binlogPosition.position, stop);
        await run(tool!, args, `${programs.binlog} could not read the binary logs of ${db}`, { stdoutFd: fd, env: { TZ: 'UTC' } });
      } finally {
        closeSync(fd);
      }
      await run(programs.client, [...client(db), '--abort-source-on-error', '-e', `source ${sql}`], `replaying the binary logs of ${db} into the scratch server failed (nothing was changed; a statement on another database issued with ${db} as the default database stops it: docs/pitr.md)`);
      const file = join(outDir, `${i + 1}-${db.replace(/[^A-Za-z0-9_.-]/g, '_')}.pitr.sql`);
      await run('mariadb-dump', [...scratchClientArgs(scratch), '--single-transaction', '--routines', '--events', '--triggers', '--hex-blob', `--result-file=${file}`, '--', db], `mariadb-dump of ${db} from the scratch server failed`);
      // Its properties as the replay left them (an ALTER DATABASE or a routine created since the dump counts): what the restore applies and checks.
      const properties = parseMariadbProperties(await run(programs.client, [...client(db), '--skip-column-names', '--default-character-set=utf8mb4', '-e', PROPERTIES_SQL], `cannot read the properties of ${db} in the scratch server`, { captureStdout: true }));
      out.push({ database: db, file, properties, ...(d.serverVersion ? { serverVersion: d.serverVersion } : {}) });
    }
    return { dumps: out, logs: cont.files.length, ...(cont.newest ? { newest: cont.newest.name } : {}) };
  } finally {
    await scratch.remove();
  }
}
