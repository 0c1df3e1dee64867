// `pullback restore --host H --only SOURCE --at TIME|latest --into DIR`: a point-in-time restore of a
// PostgreSQL source into a local data directory (base backup + WAL + recovery settings), with the
// command line that starts it. Parse, plan, print, carry out: the work is in pitr/.
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { archivedBaseBackups, receiverRecord } from '../catalog/pitr.js';
import { repositoryPath, type HostConfig, type SourceConfig } from '../config/types.js';
import { JobError, UsageError } from '../errors.js';
import { borgContext } from '../job/context.js';
import { openRepo } from '../archive/repo-identity.js';
import { assertPreflight } from '../job/preflight.js';
import { walDir } from '../pitr/paths.js';
import { dryRunChecklist } from './pitr-dry-run.js';
import { restoreInto, walIntoDir } from '../pitr/restore-into.js';
import { formatPitrPlan, planPitrRestore, walEndNote } from '../pitr/restore-plan.js';
import { parseRecoveryTarget } from '../pitr/target-time.js';
import { shellCommand } from '../tools/ssh/quote.js';
import { interruptSignal, openEnv, selectHosts, type GlobalOptions } from './common.js';
import { restoreAtLive } from './restore-at-live.js';
import { restoreAtCluster, serverOf } from './restore-at-cluster.js';
import { restoreAtBinlog } from './restore-at-binlog.js';

export interface RestoreAtOptions {
  host: string;
  only?: string[];
  at: string;
  into?: string;
  /** Without --into: the database put back (default: every database the source dumps). */
  database?: string;
  dryRun: boolean;
  yes?: boolean;
  /** `--whole-cluster`: the server's whole cluster replaced (restore-at-cluster.ts). */
  wholeCluster?: boolean;
}

/** The PITR source `--only` names (or the host's only one); throws UsageError. */
function pitrSourceOf(host: HostConfig, only: string[] | undefined): SourceConfig {
  const withPitr = host.sources.filter((s) => s.pitr);
  if (withPitr.length === 0) throw new UsageError(`--at: host ${host.name} has no source with pitr: (see docs/pitr.md)`);
  if (!only || only.length === 0) {
    if (withPitr.length === 1) return withPitr[0]!;
    throw new UsageError(`--at: name the source with --only (one of ${withPitr.map((s) => s.name).join(', ')})`);
  }
  if (only.length !== 1) throw new UsageError('--at restores one source: give --only exactly one');
  const s = host.sources.find((x) => x.name === only[0]);
  if (!s) throw new UsageError(`--only ${only[0]}: host ${host.name} has no such source`);
  if (!s.pitr) throw new UsageError(`--at: source ${s.name} of ${host.name} has no pitr: (its dumps restore without --at)`);
  return s;
}

/** The databases `--at` without --into puts back: `--database`, else every one the source dumps; throws UsageError. */
function databasesOf(source: SourceConfig, database: string | undefined): string[] {
  const listed = source.dump?.databases;
  if (database !== undefined) {
    if (Array.isArray(listed) && !listed.includes(database)) throw new UsageError(`--database ${database}: source ${source.name} dumps ${listed.join(', ')}, not it`);
    return [database];
  }
  if (!Array.isArray(listed) || listed.length === 0) throw new UsageError(`--at: name the database with --database, or replace the whole cluster with --whole-cluster (source ${source.name} dumps all databases)`);
  return [...listed];
}

/** Runs the point-in-time restore; 0 when the data directory is ready (or the dry run's plan holds), 1 when refused. */
export async function restoreAtCommand(g: GlobalOptions, o: RestoreAtOptions): Promise<number> {
  const target = parseRecoveryTarget(o.at);
  if (!target) throw new UsageError(`--at takes 'YYYY-MM-DD HH:MM:SS' (this host's time zone), an ISO time with Z or an offset, latest, xid:TRANSACTION_ID or point:RESTORE_POINT_NAME; not ${JSON.stringify(o.at)}`);
  const into = o.into ? resolve(o.into) : undefined;
  if (into && existsSync(into) && (!lstatSync(into).isDirectory() || readdirSync(into).length > 0)) throw new UsageError(`--into ${into}: must be a new or empty folder`);
  if (!into && !o.dryRun && !o.yes && !process.stdin.isTTY) throw new UsageError('refusing to restore without --yes: stdin is not a terminal to confirm on');
  const env = openEnv(g, { repositories: true });
  const interrupt = interruptSignal(env.logger);
  try {
    assertPreflight(env.config.global, { borg: true, ssh: !into });
    const [host] = selectHosts(env.config, [o.host]);
    const source = pitrSourceOf(host!, o.only);
    const binlog = source.pitr!.engine !== 'postgres';
    if (binlog && into) throw new UsageError(`--into: source ${source.name} is ${source.pitr!.engine} (binary logs): restore --at puts its databases back in the live server; --into is for PostgreSQL sources`);
    if (binlog && target.kind !== 'time' && target.kind !== 'latest') throw new UsageError(`--at ${o.at}: a ${source.pitr!.engine} source is restored to a time or latest (xid: and point: are PostgreSQL's)`);
    if (o.wholeCluster) serverOf(host!, source);
    const databases = into || o.wholeCluster ? [] : databasesOf(source, o.database);
    const global = env.config.global;
    const repository = repositoryPath(global, host!.name);
    const borg = borgContext({ global, logger: env.logger, signal: interrupt.signal });
    await openRepo(borg, env.catalog, repository, host!.name, 'read');
    const rec = receiverRecord(env.catalog, host!.name, source.name);
    const planned = planPitrRestore({
      host: host!.name,
      source: source.name,
      repository,
      target,
      bases: archivedBaseBackups(env.catalog, repository, host!.name, source.name),
      ...(rec?.reachedAt ? { newest: new Date(rec.reachedAt) } : {}),
      binlog,
    });
    if (!planned.ok) {
      env.out(`Refused: ${planned.reason}. Nothing was changed.`);
      return 1;
    }
    if (binlog) return await restoreAtBinlog(g, env, interrupt.signal, { plan: planned.plan, host: host!, source, databases, dryRun: o.dryRun, yes: o.yes ?? false });
    if (o.wholeCluster) return await restoreAtCluster(g, env, interrupt.signal, { plan: planned.plan, host: host!, source, dryRun: o.dryRun, yes: o.yes ?? false });
    if (!into) return await restoreAtLive(g, env, interrupt.signal, { plan: planned.plan, host: host!, source, databases, dryRun: o.dryRun, yes: o.yes ?? false });
    env.out(formatPitrPlan(planned.plan, into, walIntoDir(into)));
    const timeoutMs = global.dumpTimeoutSeconds * 1000;
    if (o.dryRun) return dryRunChecklist(env.out, borg, planned.plan, walDir(global, host!.name, source.name), planned.plan.target.kind === 'time' ? `nothing was written to ${into} (the WAL read for where recovery stops was gathered in a temporary folder, removed)` : 'nothing was extracted', env.logger, timeoutMs);
    const r = await restoreInto(borg, planned.plan, into, walDir(global, host!.name, source.name), env.logger, { timeoutMs, signal: interrupt.signal }).catch((e: unknown) => {
      if (e instanceof JobError) env.out(`Refused: ${e.message}. Nothing usable was left in ${into}.`);
      throw e;
    });
    env.out(`Recovered data directory ready: ${r.dataDir} (${r.walFiles} WAL files in ${r.walDir}, up to ${r.newestSegment ?? '-'}).`);
    const toEnd = r.time?.recovery.kind === 'wal-end';
    if (toEnd) env.out(walEndNote(planned.plan, 'it recovers to it when started (no recovery_target_time written).'));
    env.out(`Start it (it replays the WAL to ${toEnd ? 'its end' : 'the target'}, then promotes; its socket is in the data directory):`);
    env.out(`  ${shellCommand(r.start)}`);
    env.out(`  psql -h ${shellCommand([r.socketDir])} -p ${r.port} -U postgres`);
    return 0;
  } finally {
    interrupt.dispose();
    env.close();
  }
}

