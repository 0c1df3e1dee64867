// `pullback restore --host H --only SOURCE --at TIME|latest --whole-cluster [--dry-run|--yes]` and
// `restore --rollback ID` of one: the server's whole PostgreSQL cluster replaced by the cluster
// recovered to TIME (proven in a scratch cluster here first), its old data directory kept aside on
// the server. Parse, print, run the tables of pitr/cluster-steps.ts, print the outcome.
import { rmSync } from 'node:fs';
import type { HostConfig, SourceConfig } from '../config/types.js';
import { ENGINE_CONNECTION } from '../config/defaults.js';
import { UsageError } from '../errors.js';
import { borgContext } from '../job/context.js';
import { takeHostLock } from '../lock/host-lock.js';
import type { HeldLock } from '../lock/run-lock.js';
import { asideName } from '../pitr/cluster-server.js';
import { CLUSTER_RESTORE_STEPS, CLUSTER_ROLLBACK_STEPS, clusterReadiness, runClusterSteps, type ClusterRun } from '../pitr/cluster-steps.js';
import { walDir } from '../pitr/paths.js';
import { formatPitrPlan, type PitrPlan } from '../pitr/restore-plan.js';
import { scratchFolder, sweepScratch, unreachableByPostgres } from '../pitr/scratch-cluster.js';
import { describeTarget } from '../pitr/target-time.js';
import { formatChecklist } from '../restore/format.js';
import { beginLogin, type Login } from '../restore/login.js';
import { restoreStateDir } from '../restore/prepare.js';
import { RestoreRecorder, setRestorePlan } from '../restore/record.js';
import { rollbackArgv } from '../catalog/interrupted-restores.js';
import { shellCommand } from '../tools/ssh/quote.js';
import type { SshSession } from '../tools/ssh/client.js';
import { confirm, type CommandEnv, type GlobalOptions } from './common.js';

/** What the catalog keeps of a whole-cluster restore (restores.plan), read by its rollback. */
export interface WholeClusterRecord {
  wholeCluster: { source: string; dataDirectory: string; aside?: string; baseArchive: string; target: string; replaced?: { versionNum: number; systemIdentifier: string } };
}

export interface ClusterInput {
  plan: PitrPlan;
  host: HostConfig;
  source: SourceConfig;
  dryRun: boolean;
  yes: boolean;
}

/** The server config --whole-cluster needs; throws UsageError naming the missing key. */
export function serverOf(host: HostConfig, source: SourceConfig) {
  if (source.pitr?.engine !== 'postgres') throw new UsageError(`--whole-cluster: source ${source.name} is ${source.pitr?.engine ?? 'not a pitr source'}; a whole cluster is restored for PostgreSQL`);
  if (!source.pitr.server) throw new UsageError(`--whole-cluster: source ${source.name} of ${host.name} has no pitr.server (data_directory, stop, start): see docs/pitr.md, "Restore the whole cluster onto the server"`);
  return source.pitr.server;
}

/** Runs the whole-cluster restore; 0 when it ended ok (or the dry run's checklist passed), 1 otherwise. */
export async function restoreAtCluster(g: GlobalOptions, env: CommandEnv, signal: AbortSignal, p: ClusterInput): Promise<number> {
  const global = env.config.global;
  const server = serverOf(p.host, p.source);
  const conn = p.source.dump?.connection ?? { ...ENGINE_CONNECTION.postgres };
  const point = describeTarget(p.plan.target);
  const borg = borgContext({ global, logger: env.logger, signal });
  const lines = (facts?: ClusterRun['facts']) => [
    `  WAL range     from ${p.plan.base.startWal} (the base backup's start) to the target`,
    `  proven in     a scratch cluster on this host first (started, reached the point, promoted); nothing on ${p.host.name} changes before`,
    `  replaces      the whole PostgreSQL cluster of ${p.host.name} in ${server.dataDirectory}${facts ? ` (PostgreSQL ${facts.versionNum}, system identifier ${facts.systemIdentifier})` : ''}: stopped with pitr.server.stop, moved aside to ${server.dataDirectory}.pullback-before-restore-<restore id> (kept for restore --rollback), the recovered one pushed in, started with pitr.server.start`,
  ];
  let lock: HeldLock | undefined;
  let login: Login | undefined;
  let scratch: string | undefined;
  try {
    if (!p.dryRun) lock = takeHostLock(global.stateDir, p.host.name, `restore --at --whole-cluster onto ${p.host.name}`).lock;
    login = beginLogin(global, p.host, env.logger, signal);
    const logged = await login.session;
    if ('loginError' in logged) {
      env.out(formatPitrPlan(p.plan, '', '', lines()));
      env.out(`Refused: cannot log in to ${p.host.name} with the restore key: ${logged.loginError}. Nothing was changed.`);
      return 1;
    }
    const base: Omit<ClusterRun, 'id'> = {
      global, host: p.host, source: p.source, server, conn, session: logged.session, mux: await login.mux, borg, logger: env.logger, signal, out: env.out,
      plan: p.plan, receivedWal: walDir(global, p.host.name, p.source.name), timeoutMs: global.dumpTimeoutSeconds * 1000,
    };
    if (p.dryRun) {
      const r: ClusterRun = { ...base, id: 0 };
      const items = await clusterReadiness(r);
      env.out(formatPitrPlan(p.plan, '', '', lines(r.facts)));
      env.out(formatChecklist('Readiness checklist:', items));
      const good = items.every((i) => i.status !== 'fail');
      env.out(good ? 'Dry run: every check passed; nothing was recovered or changed.' : 'Dry run: the restore would stop at the failed checks above; nothing was recovered or changed.');
      return good ? 0 : 1;
    }
    env.out(formatPitrPlan(p.plan, '', '', lines()));
    if (!p.yes && !(await confirm(`Replace the whole PostgreSQL cluster of ${p.host.name} (${server.dataDirectory}) by its state at ${point}?`))) {
      env.out('Not confirmed. Nothing was changed.');
      return 1;
    }
    await sweepScratch(restoreStateDir(global), env.logger);
    scratch = await scratchFolder(env.logger);
    const unreachable = await unreachableByPostgres(scratch, env.logger);
    if (unreachable) {
      env.out(`Refused: ${unreachable}. Nothing was changed.`);
      return 1;
    }
    const record: WholeClusterRecord = { wholeCluster: { source: p.source.name, dataDirectory: server.dataDirectory, baseArchive: p.plan.base.archive, target: point } };
    const rec = RestoreRecorder.start(env.catalog.db, { kind: 'restore', host: p.host.name, target: p.host.name, repository: p.plan.repository, archive: p.plan.base.archive, only: [p.source.name], plan: record });
    const aside = asideName(server.dataDirectory, rec.id);
    setRestorePlan(env.catalog.db, rec.id, { wholeCluster: { ...record.wholeCluster, aside } });
    env.out(`Restore ${rec.id}:`);
    // The catalog's safety-snapshot columns name the kept directory: an interrupted restore's notice then names its rollback.
    const r: ClusterRun = { ...base, id: rec.id, scratchDir: scratch, onSnapshot: (dir) => rec.setSnapshot(`server:${p.host.name}`, dir) };
    const outcome = await runClusterSteps(CLUSTER_RESTORE_STEPS, r, rec, (l) => {
      // The checklist where it was read: before anything on the server could change.
      if (l.kind === 'readiness' && r.checklist) env.out(formatChecklist('  Readiness checklist:', r.checklist).replace(/\n/g, '\n  '));
      env.out(`  ${l.status.toUpperCase().padEnd(7)} ${l.kind}: ${l.status === 'failed' && l.kind === 'readiness' ? 'the failed items above' : l.detail}`);
    });
    if (r.facts) setRestorePlan(env.catalog.db, rec.id, { wholeCluster: { ...record.wholeCluster, aside, replaced: { versionNum: r.facts.versionNum, systemIdentifier: r.facts.systemIdentifier } } });
    rec.finish(outcome.status, outcome.stoppedAt?.error);
    const rollback = shellCommand(rollbackArgv(g.configPath, rec.id));
    if (outcome.status === 'ok') {
      env.out(`Restored: the whole cluster of ${p.host.name} is its state at ${point} (base backup ${p.plan.base.archive}, ${r.recovered?.walFiles ?? 0} WAL file(s)); the previous data directory is kept at ${aside}.`);
      env.out(`Undo it: ${rollback}`);
      env.out(`The restored cluster runs on a new timeline without the replication slot: take a new base backup (pullback run --host ${p.host.name}) to start a new recovery window from it. Remove ${aside} by hand once it is no longer needed.`);
      return 0;
    }
    const stop = outcome.stoppedAt!;
    stop.error = stop.error.replace(/\.+$/, '');
    if (!stop.changed) env.out(`Failed at ${stop.kind}: ${stop.error}. Nothing on ${p.host.name} was changed.`);
    else env.out(`Failed at ${stop.kind}: ${stop.error}. ${p.host.name} was changed; put its previous cluster back with: ${rollback}`);
    return 1;
  } finally {
    await login?.close();
    lock?.release();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

/** `restore --rollback ID` of a whole-cluster restore: the kept data directory renamed back; 0 when it ended ok. */
export async function rollbackWholeCluster(_g: GlobalOptions, env: CommandEnv, signal: AbortSignal, p: { id: number; record: WholeClusterRecord['wholeCluster']; host: HostConfig; yes: boolean; dryRun: boolean }): Promise<number> {
  const global = env.config.global;
  const source = p.host.sources.find((s) => s.name === p.record.source);
  if (!source) throw new UsageError(`restore ${p.id} replaced the cluster of source ${p.record.source}, which ${p.host.name} no longer has`);
  const server = serverOf(p.host, source);
  if (server.dataDirectory !== p.record.dataDirectory) throw new UsageError(`restore ${p.id} replaced ${p.record.dataDirectory}; pitr.server.data_directory now says ${server.dataDirectory}: put it back by hand`);
  const conn = source.dump?.connection ?? { ...ENGINE_CONNECTION.postgres };
  const aside = asideName(server.dataDirectory, p.id);
  env.out(`Rollback plan of restore ${p.id} (whole cluster of ${p.host.name}):`);
  env.out(`  puts back    ${aside} as ${server.dataDirectory} (stopped with pitr.server.stop, started with pitr.server.start)`);
  env.out(`  keeps        the restored data directory at ${server.dataDirectory}.pullback-rolled-back-${p.id}`);
  if (p.dryRun) {
    env.out('Dry run: nothing was changed.');
    return 0;
  }
  if (!p.yes && !(await confirm(`Put back the cluster restore ${p.id} replaced on ${p.host.name}?`))) {
    env.out('Not confirmed. Nothing was changed.');
    return 1;
  }
  let lock: HeldLock | undefined;
  let login: Login | undefined;
  try {
    lock = takeHostLock(global.stateDir, p.host.name, `rollback onto ${p.host.name}`).lock;
    login = beginLogin(global, p.host, env.logger, signal);
    const logged = await login.session;
    if ('loginError' in logged) {
      env.out(`Refused: cannot log in to ${p.host.name} with the restore key: ${logged.loginError}. Nothing was changed.`);
      return 1;
    }
    const session: SshSession = logged.session;
    const rec = RestoreRecorder.start(env.catalog.db, { kind: 'rollback', host: p.host.name, target: p.host.name, repository: '', archive: aside, only: [source.name], plan: { wholeClusterRollback: { of: p.id, dataDirectory: server.dataDirectory, aside } }, rollbackOf: p.id });
    env.out(`Rollback ${rec.id}:`);
    const r: ClusterRun = {
      global, host: p.host, source, server, conn, session, borg: borgContext({ global, logger: env.logger, signal }), logger: env.logger, signal, out: env.out,
      id: rec.id, rollbackOf: p.id, timeoutMs: global.dumpTimeoutSeconds * 1000,
      ...(typeof p.record.replaced === 'object' ? { facts: { dataDirectory: server.dataDirectory, ...p.record.replaced } } : {}),
    };
    const outcome = await runClusterSteps(CLUSTER_ROLLBACK_STEPS, r, rec, (l) => env.out(`  ${l.status.toUpperCase().padEnd(7)} ${l.kind}: ${l.detail}`));
    rec.finish(outcome.status, outcome.stoppedAt?.error);
    if (outcome.status === 'ok') {
      env.out(`Rolled back: ${p.host.name}'s cluster is the one restore ${p.id} replaced.`);
      return 0;
    }
    const stop = outcome.stoppedAt!;
    stop.error = stop.error.replace(/\.+$/, '');
    env.out(`Failed at ${stop.kind}: ${stop.error}.${stop.changed ? ` ${p.host.name} was changed: see the steps above.` : ' Nothing was changed.'}`);
    return 1;
  } finally {
    await login?.close();
    lock?.release();
  }
}
