// `pullback run`: the nightly job for every (or the chosen) host, a summary table, exit 0 or 1.
import type { CommandSpec } from './spec.js';
import { join } from 'node:path';
import type { Status } from '../catalog/catalog.js';
import { nightPitr } from '../pitr/night.js';
import { backupHost, type HostRunResult, type NightlyFeatures } from '../nightly/backup-host.js';
import { offsiteHost } from '../offsite/night.js';
import { pitrDrillRecovery } from '../pitr/drill-recovery.js';
import { drillStep, newSeed } from '../drill/recorded-step.js';
import { diskPreflight, freeLeftovers, recordDiskSpace } from '../nightly/disk-preflight.js';
import { withServerLease } from '../nightly/fleet-lease.js';
import { readHomes } from '../catalog/fleet/homes.js';
import { preflightLocal } from '../job/preflight.js';
import type { GlobalConfig, HostConfig } from '../config/types.js';
import { ConfigError, JobError, UsageError } from '../errors.js';
import { recordStep, type HostContext, type StepOutcome } from '../job/context.js';
import { assertPassphraseFilePrivate } from '../job/passphrase-file.js';
import { waitForHostLock } from '../lock/host-lock.js';
import { acquireLock } from '../lock/run-lock.js';
import { serialMetricsWriter } from '../report/metrics-write.js';
import { createNotifications } from '../notify/dispatch.js';
import { finishEvent, hostEvent, startEvent } from '../notify/event.js';
import { mapPool } from '../util/pool.js';
import { humanBytes, humanDuration, renderTable } from '../util/table.js';
import { logFileOf, quietLines, summaryLine } from './quiet-lines.js';
import { hostOption, hostsOf, interruptSignal, openEnv, selectHosts, type CommandEnv, type GlobalOptions } from './common.js';

export interface RunOptions {
  hosts?: string[];
  /** Sources whose mass deletion the operator confirms for this run (max_shrink not applied). */
  acceptShrink?: string[];
  /** Cron mode: one summary line on stdout even when every host went well. */
  summary?: boolean;
}

/**
 * What the night calls in other features, composed here, the one place that knows them all (the
 * daemon runs its jobs as child `pullback run` processes, so every night comes through here).
 */
const nightlyFeatures: NightlyFeatures = {
  // A due drill: a random archive, the configured sample, a fresh seed. An unverified drill is a
  // warning of the night: the backup itself was made.
  drill: async (ctx) => {
    // With its PITR drill: each PostgreSQL source with pitr: recovered to a point drawn in its window.
    const out = await drillStep(ctx, { archive: { kind: 'random' }, sample: {}, seed: newSeed(), pitr: pitrDrillRecovery(ctx.global, ctx.catalog, ctx.logger) }, 'warning');
    return { status: out.status, error: out.error };
  },
  offsite: (ctx, src, checkTonight) => offsiteHost(ctx, src, checkTonight),
  baseBackup: (ctx, source, dumps) => nightPitr(ctx, source, dumps),
};

/** Runs the nightly job; returns the exit code (0 all hosts ok or warning, 1 otherwise, 2 when the configuration refused the night: recorded as failed all the same). */
export async function runCommand(g: GlobalOptions, opts: RunOptions): Promise<number> {
  // A passphrase file others may read refuses the night, but not silently: the refusal is recorded
  // as the night of every host it would have run (status red, notifications), not only printed.
  const env = openEnv(g, { job: true });
  try {
    const hosts = selectHosts(env.config, opts.hosts);
    const refusedConfig = configRefusal(env.config.global);
    checkAcceptShrink(opts, hosts);
    const { lock, tookOverFromPid } = acquireLock(join(env.config.global.stateDir, 'locks', 'run.lock'), 'pullback run');
    if (tookOverFromPid !== undefined) env.logger.warn({ stalePid: tookOverFromPid }, 'took over a stale run lock left by a dead process');
    for (const dead of env.catalog.interruptAbandonedRuns()) {
      env.logger.warn({ deadRunId: dead.id, kind: dead.kind, pid: dead.pid, startedAt: dead.startedAt }, `run ${dead.id} (pullback ${dead.kind}, started ${dead.startedAt}) was left running by a process that is gone (PID ${dead.pid ?? '?'}, killed or crashed): recorded as interrupted`);
    }
    const interrupt = interruptSignal(env.logger);
    const runId = env.catalog.startRun('run', { hosts: hosts.map((h) => h.name) });
    const log = env.logger.child({ runId });
    log.info({ hosts: hosts.map((h) => h.name), concurrency: env.config.global.concurrency }, 'run started');
    // Not awaited: a slow notifier must not delay the backup; flushed before the command returns.
    const notes = createNotifications(env.config.global.notify, { logger: log, catalog: env.catalog });
    void notes.emit(startEvent('run', runId, hosts.map((h) => h.name)));
    try {
      // Every filesystem of the run's mirrors and repositories, judged once before any host starts.
      // First what a failed night left in a repository (uncommitted segments), so it is not counted
      // against tonight; but never before the repository was compared with the catalog (a rolled-back
      // repository's segments above its last commit are the lost transaction's: the operator decides).
      const leftovers = refusedConfig ? new Map<string, string>() : await freeLeftovers(env.config.global, hosts, env.catalog, log, interrupt.signal);
      const space = refusedConfig ? undefined : diskPreflight(env.config.global, hosts, env.catalog, log);
      for (const [h, note] of leftovers) {
        space?.notes.get(h)?.push(note);
        const refused = space?.refused.get(h);
        if (refused) space!.refused.set(h, `${refused}; ${note}`);
      }
      // The fleet catalog first: what earlier commands could not push, the schema, the heartbeat; its
      // answer decides whether servers run under leases or (unreachable) only this backup host's own.
      let fleetReachable = env.fleet ? (await env.fleet.syncSoon(env.catalog.db)) !== undefined : false;
      // The homes takeovers recorded (pullback fleet takeover): they override the host files' backup_host.
      const homes = fleetReachable ? await fleetHomes(env) : new Map<string, string>();
      if (homes === undefined) fleetReachable = false;
      // Each host's event and the metrics go out as soon as that host ends, not after the slowest.
      const writeMetrics = serialMetricsWriter({ ...env, logger: log });
      const results = await mapPool(hosts, env.config.global.concurrency, async (host) => {
        const hostId = env.catalog.startHost(runId, host.name);
        const ctx = { global: env.config.global, host, catalog: env.catalog, runId, logger: log.child({ host: host.name }), signal: interrupt.signal, acceptShrink: opts.acceptShrink, progress: env.progress };
        let r: HostRunResult;
        try {
          if (refusedConfig) r = failedHost(host.name, (await refuse(ctx, refusedConfig.why)).error!);
          else {
            // Under the server's lease (a fleet catalog) from its first recorded step: a server leased
            // to another backup host is skipped with nothing of a night recorded here.
            r = await withServerLease({ fleet: env.fleet, reachable: fleetReachable, host, logger: ctx.logger, ...(homes?.get(host.name) ? { assignedHome: homes.get(host.name)! } : {}) }, async () => {
              const refusal = await recordDiskSpace(ctx, space!);
              return refusal ? failedHost(host.name, refusal) : backUpHoldingLock(ctx, runId);
            });
          }
        } catch (e) {
          // A bug in one host's job must not stop the others: record it as that host's failure.
          ctx.logger.error({ err: e }, 'unexpected error');
          r = failedHost(host.name, `internal error: ${(e as Error).message}`);
        }
        env.catalog.finishHost(hostId, r.status, r.archive, r.problems.join('; ') || undefined);
        // The host's night, as recorded, goes to the fleet catalog now (not awaited: never the night's outcome).
        void env.fleet?.syncSoon(env.catalog.db);
        void notes.emit(hostEvent(runId, r, env.catalog.stepsOf(runId)));
        await writeMetrics();
        return r;
      });
      const status = overall(results.map((r) => r.status));
      if (interrupt.signal.aborted) env.catalog.interruptRun(runId);
      else env.catalog.finishRun(runId, status);
      const ended = interrupt.signal.aborted ? 'interrupted' : status;
      const text = summary(results);
      if (!env.quiet) env.out(text);
      log.info({ status: ended }, 'run finished');
      await writeMetrics();
      await notes.emit(finishEvent('run', runId, ended, text));
      await notes.flush();
      // A refused configuration is printed as the ConfigError below, and only so.
      if (env.quiet && !refusedConfig) {
        if (opts.summary) env.out(summaryLine('run', ended, results));
        const lines = quietLines({ command: 'run', status: ended, logFile: logFileOf(env.config.global.stateDir) }, results, env.catalog.stepsOf(runId), notes.failures());
        if (lines.length > 0) process.stderr.write(`${lines.join('\n')}\n`);
      }
      // A configuration refusal, now that it is recorded, is reported as every configuration error is
      // (file, key, fix on stderr; exit 2).
      if (refusedConfig) throw refusedConfig.error;
      return status === 'ok' || status === 'warning' ? 0 : 1;
    } finally {
      interrupt.dispose();
      lock.release();
    }
  } finally {
    env.close();
  }
}

/**
 * The host's nightly job, holding the host's lock from before the first pull to after the last
 * check: a restore onto the host is refused meanwhile, and a restore already running is waited
 * for (up to restore_wait), so no archive ever holds a half-restored host.
 */
async function backUpHoldingLock(ctx: HostContext, runId: number): Promise<HostRunResult> {
  const { global, host: { name: host } } = ctx;
  let lock;
  try {
    lock = await waitForHostLock(global.stateDir, host, `nightly run ${runId} of ${host}`, {
      maxWaitMs: global.restoreWaitSeconds * 1000,
      signal: ctx.signal,
      onWait: (holder) => ctx.logger.warn({ holder, maxWaitSeconds: global.restoreWaitSeconds }, `waiting for ${holder} to finish with ${host} before backing it up`),
    });
  } catch (e) {
    if (!(e instanceof JobError)) throw e;
    return { ...failedHost(host, e.message), status: ctx.signal?.aborted ? 'interrupted' : 'failed' };
  }
  if (lock.tookOverFromPid !== undefined) ctx.logger.warn({ stalePid: lock.tookOverFromPid }, 'took over a stale host lock left by a dead process');
  if (lock.waited) ctx.logger.info(`${host} is free again: backing it up`);
  // Before anything is read or pulled: unusable passphrase/identity/known_hosts files. The SSH part
  // of the preflight (a refused host key or login) is the table's connect row.
  const hostCtx: HostContext = { ...ctx };
  try {
    const problems = preflightLocal(global, ctx.host, { borg: true, ssh: true });
    if (problems.length > 0) return failedHost(host, (await refuse(ctx, `preflight: ${problems.join('; ')}`)).error!);
    return await backupHost(hostCtx, nightlyFeatures);
  } finally {
    // The night's shared connection, opened by the connect row.
    await hostCtx.sshMux?.close();
    lock.lock.release();
  }
}

/**
 * Why the configuration refuses every night (the passphrase file is not private to this user): the
 * words recorded as each host's night, and the ConfigError the CLI prints (file, key, fix; exit 2)
 * once the refusal is recorded. Undefined when it does not refuse.
 */
function configRefusal(global: GlobalConfig): { why: string; error: ConfigError } | undefined {
  try {
    assertPassphraseFilePrivate(global);
    return undefined;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return { why: `configuration refused: ${e.problems.map((p) => p.message).join('; ')}; nothing was pulled, archived or pruned. After the fix, run: pullback run`, error: e };
  }
}

/** Records the host's night as refused before it started (its `preflight` step, failed with `why`). */
function refuse(ctx: HostContext, why: string): Promise<StepOutcome> {
  return recordStep(ctx, 'preflight', undefined, async () => ({ status: 'failed', error: why }));
}

/** --accept-shrink is deliberate: it needs --host, and each source must be one of those hosts'. Throws UsageError. */
function checkAcceptShrink(opts: RunOptions, hosts: HostConfig[]): void {
  const accept = opts.acceptShrink ?? [];
  if (accept.length === 0) return;
  if (!opts.hosts?.length) throw new UsageError('--accept-shrink needs --host: name the host whose source really lost its data');
  const known = new Set(hosts.flatMap((h) => h.sources.map((s) => s.name)));
  const unknown = accept.filter((s) => !known.has(s));
  if (unknown.length > 0) throw new UsageError(`--accept-shrink: no source ${unknown.map((s) => `'${s}'`).join(', ')} on ${hosts.map((h) => h.name).join(', ')} (sources: ${[...known].join(', ')})`);
}

function failedHost(host: string, problem: string): HostRunResult {
  return { host, status: 'failed', bytes: 0, files: 0, durationMs: 0, problems: [problem], checks: [] };
}

function overall(statuses: Status[]): Status {
  if (statuses.some((s) => s === 'failed' || s === 'interrupted')) return 'failed';
  if (statuses.some((s) => s === 'warning')) return 'warning';
  return 'ok';
}

function summary(results: HostRunResult[]): string {
  const rows = results.map((r) => [
    r.host,
    r.status.toUpperCase(),
    r.archive ? `${r.archive}${r.partial ? ' (partial)' : ''}` : '-',
    humanBytes(r.bytes),
    String(r.files),
    humanDuration(r.durationMs),
    r.checks.join(',') || '-',
  ]);
  const table = renderTable(['HOST', 'STATUS', 'ARCHIVE', 'PULLED', 'FILES', 'TIME', 'CHECKS'], rows);
  const problems = results.flatMap((r) => r.problems.map((p) => `  ${r.host}: ${p}`));
  return problems.length > 0 ? `${table}\n\nProblems:\n${problems.join('\n')}` : table;
}

export const runSpec: CommandSpec = {
  name: 'run',
  summary: 'pull every host, archive, prune, compact and check (the nightly job)',
  usage: 'pullback run [--host NAME]... [--accept-shrink SOURCE]... [--summary]',
  options: {
    ...hostOption,
    'accept-shrink': { type: 'string', multiple: true, value: 'SOURCE', description: 'mirror and archive a mass deletion of SOURCE that max_shrink refused (needs --host; repeat for several)' },
    summary: { type: 'boolean', description: 'without a terminal (cron) also print one summary line when every host went well (otherwise nothing is printed then)' },
  },
  handler: (g, v) => runCommand(g, { hosts: hostsOf(v), acceptShrink: v['accept-shrink'] as string[] | undefined, summary: v.summary === true }),
};

/** The fleet catalog's recorded homes; undefined when it could not be read (unreachable: warned once). */
async function fleetHomes(env: CommandEnv): Promise<Map<string, string> | undefined> {
  try {
    return await readHomes(await env.fleet!.db());
  } catch (e) {
    env.fleet!.unreachable(e);
    return undefined;
  }
}
