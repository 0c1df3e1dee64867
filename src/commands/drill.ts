// `pullback drill`: a restore drill of every (or the chosen) host, a short table, exit 1 on any
// mismatch or failed database check, and on a drill that verified nothing (UNVERIFIED: it sampled
// nothing, or no sampled file could be compared with the origin). The drill itself, as a
// recorded step, is drill/recorded-step.ts (the nightly's due drill runs the same).
import { writeMetricsAfterJob } from '../report/metrics-write.js';
import type { DrillResult } from '../drill/drill-host.js';
import { describeProblems, drillStep, newSeed } from '../drill/recorded-step.js';
import { printable } from '../util/printable.js';
import type { CommandSpec } from './spec.js';
import { describeError, UsageError } from '../errors.js';
import { fromOffsite } from '../offsite/fetch.js';
import { findTarget } from '../offsite/targets.js';
import { parseArchiveChoice } from '../drill/archive-choice.js';
import { parseSampleRequest } from '../drill/sample.js';
import { humanBytes, humanDuration, renderTable } from '../util/table.js';
import { interruptSignal, openEnv, selectHosts, type GlobalOptions } from './common.js';
import { assertPreflight } from '../job/preflight.js';
import { logFileOf, quietLines, type QuietHost } from './quiet-lines.js';
import { createNotifications } from '../notify/dispatch.js';
import { drillEvent } from '../notify/event.js';
import { drillJson } from '../drill/json.js';
import { pitrLines } from '../drill/pitr-format.js';
import { pitrSources } from '../drill/pitr.js';
import { pitrDrillRecovery } from '../pitr/drill-recovery.js';
import { parseRecoveryTarget } from '../pitr/target-time.js';

export interface DrillCommandOptions {
  hosts?: string[];
  sample?: string;
  percent?: string;
  archive?: string;
  seed?: string;
  json?: boolean;
  /** Drill the copy on this off-site target instead of the local repository. */
  fromOffsite?: string;
  /** The point PITR sources are recovered to (else drawn in each window). */
  at?: string;
}

/** Runs the drills; returns the exit code (0 when no host failed). */
export async function drillCommand(g: GlobalOptions, opts: DrillCommandOptions): Promise<number> {
  const archive = parseArchiveChoice(opts.archive);
  const sample = parseSampleRequest(opts.sample, opts.percent);
  if (opts.seed !== undefined && opts.seed.trim() === '') throw new UsageError('--seed needs a value');
  const seed = opts.seed ?? newSeed();
  const pitrAt = opts.at === undefined ? undefined : parseRecoveryTarget(opts.at);
  if (pitrAt !== undefined && pitrAt.kind !== 'time') throw new UsageError(`--at takes a time for the PITR drill: 'YYYY-MM-DD HH:MM:SS' (this host's time zone) or an ISO time with Z or an offset; not ${JSON.stringify(opts.at)}`);
  if (opts.at !== undefined && pitrAt === undefined) throw new UsageError(`--at takes 'YYYY-MM-DD HH:MM:SS' (this host's time zone) or an ISO time with Z or an offset; not ${JSON.stringify(opts.at)}`);
  const env = openEnv(g, { repositories: true, job: true });
  const interrupt = interruptSignal(env.logger);
  try {
    const hosts = selectHosts(env.config, opts.hosts);
    assertPreflight(env.config.global, { borg: true, ssh: true });
    if (archive.kind === 'named' && hosts.length !== 1) throw new UsageError('--archive NAME needs exactly one --host (an archive belongs to one host)');
    if (pitrAt && opts.fromOffsite) throw new UsageError('--at recovers a point in time from the local repository: not with --from-offsite');
    if (pitrAt && !hosts.some((h) => pitrSources(h.sources).length > 0)) throw new UsageError(`--at: no host drilled has a PostgreSQL source with pitr: (${hosts.map((h) => h.name).join(', ')})`);
    const runId = env.catalog.startRun('drill', { hosts: hosts.map((h) => h.name), archive: opts.archive, sample, seed });
    const target = opts.fromOffsite ? findTarget(env.config.global, opts.fromOffsite) : undefined;
    const results: DrillResult[] = [];
    const outcomes: QuietHost[] = [];
    // The exit code follows what was recorded: a host whose drill step failed (UNVERIFIED included) fails the run.
    let hostFailed = false;
    const notes = createNotifications(env.config.global.notify, { logger: env.logger.child({ runId }), catalog: env.catalog });
    for (const host of hosts) {
      if (interrupt.signal.aborted) break;
      const hostId = env.catalog.startHost(runId, host.name);
      let global = env.config.global;
      if (target) {
        try {
          const off = await fromOffsite(global, env.catalog, target, host.name, env.logger, interrupt.signal);
          if (!env.quiet) env.out(`${host.name}: off-site: ${off.note}.`);
          global = off.global;
        } catch (e) {
          const error = `off-site ${target.name}: ${describeError(e)}`;
          env.catalog.finishHost(hostId, 'failed', undefined, error);
          if (!env.quiet) env.out(`${host.name}: FAILED: ${error}`);
          outcomes.push({ host: host.name, status: 'failed', problems: [error] });
          await notes.emit(drillEvent(runId, { host: host.name, status: 'failed', seed }, [error]));
          hostFailed = true;
          continue;
        }
      }
      const ctx = { global, host, catalog: env.catalog, runId, logger: env.logger.child({ runId, host: host.name }), signal: interrupt.signal, progress: env.progress };
      // A drill that verified nothing exits 1: recorded as the failure it is here, with its reason.
      // PITR is drilled from the local repository and the receiver's WAL only: an off-site copy's drill says it did not.
      const pitr = target
        ? { pitrNotDrilled: `a drill of the off-site copy ${target.name} does not recover points in time (its base backups are recorded for the local repository, the newest WAL is on this host)` }
        : { pitr: pitrDrillRecovery(global, env.catalog, ctx.logger), ...(pitrAt?.kind === 'time' ? { pitrAt: pitrAt.at } : {}) };
      const out = await drillStep(ctx, { archive, sample, seed, ...pitr }, 'failed');
      env.catalog.finishHost(hostId, out.status, out.value?.archive, out.error);
      if (out.status === 'failed') hostFailed = true;
      if (out.value) results.push(out.value);
      outcomes.push({ host: host.name, status: out.value?.status ?? 'failed', problems: out.value ? describeProblems(out.value) : [out.error ?? 'drill failed'] });
      if (out.value) await notes.emit(drillEvent(runId, out.value, describeProblems(out.value)));
      else await notes.emit(drillEvent(runId, { host: host.name, status: 'failed', seed }, [out.error ?? 'drill failed']));
    }
    const failed = hostFailed || interrupt.signal.aborted;
    const status = interrupt.signal.aborted ? 'interrupted' : failed ? 'failed' : results.some((r) => r.status === 'warning') ? 'warning' : 'ok';
    if (interrupt.signal.aborted) env.catalog.interruptRun(runId);
    else env.catalog.finishRun(runId, status as 'failed' | 'warning' | 'ok');
    if (opts.json || !env.quiet) env.out(opts.json ? JSON.stringify(drillJson(seed, results), null, 2) : summary(results, seed));
    await writeMetricsAfterJob(env);
    await notes.flush();
    if (env.quiet && !opts.json) {
      // Cron mode: nothing when every drill passed; else each host's problems and how to repeat it.
      const lines = quietLines({ command: 'drill', status, logFile: logFileOf(env.config.global.stateDir) }, outcomes, [], notes.failures());
      if (lines.length > 0) process.stderr.write(`${[...lines, `seed: ${seed} (repeat this drill with --seed ${seed})`].join('\n')}\n`);
    }
    return failed ? 1 : 0;
  } finally {
    interrupt.dispose();
    env.close();
  }
}

function summary(results: DrillResult[], seed: string): string {
  const rows = results.map((r) => [
    r.host,
    r.status.toUpperCase(),
    r.archive ?? '-',
    String(r.counts.sampled),
    String(r.extracted),
    humanBytes(r.bytesRestored),
    String(r.counts.matches),
    String(r.counts.mismatches),
    String(r.counts.changed),
    String(r.counts.unverified),
    databases(r),
    humanDuration(r.durationMs),
  ]);
  const table = renderTable(['HOST', 'STATUS', 'ARCHIVE', 'SAMPLED', 'RESTORED', 'BYTES', 'MATCH', 'MISMATCH', 'CHANGED', 'UNVERIFIED', 'DATABASES', 'TIME'], rows);
  const lines = [table, '', `seed: ${seed} (repeat this drill with --seed ${seed})`];
  const problems = results.flatMap((r) => describeProblems(r).map((p) => `  ${r.host}: ${p}`));
  if (problems.length > 0) lines.push('', 'Problems:', ...problems);
  const changed = results.flatMap((r) => [
    ...(r.changed.length > 10 ? [`  ${r.host}: ${r.changed.length} of ${r.counts.sampled} sampled file(s) changed, first 10:`] : []),
    ...r.changed.slice(0, 10).map((c) => `  ${r.host}: ${printable(c.path)}: ${c.reason}`),
    // Past drill.max_missing it is a warning under Problems; below, the count is still said.
    ...(r.missingOnOrigin && !r.missingOnOrigin.warning ? [`  ${r.host}: ${r.missingOnOrigin.text}`] : []),
  ]);
  if (changed.length > 0) lines.push('', 'Changed on the origin since the backup (not failures):', ...changed);
  const dbs = results.flatMap((r) => r.databases.filter((d) => d.status === 'ok').map((d) => `  ${r.host}: ${printable(d.path)}: ${d.engine} ${d.database}: ${d.tables.length} table(s) with equal row counts, ${d.checks.length} check(s) passed`));
  if (dbs.length > 0) lines.push('', 'Databases restored:', ...dbs);
  const pitr = results.flatMap((r) => pitrLines(r.host, r.pitr));
  if (pitr.length > 0) lines.push('', 'Point-in-time recovery drills (recovered in a scratch cluster, removed after):', ...pitr);
  return lines.join('\n');
}

function databases(r: DrillResult): string {
  if (r.databases.length === 0) return '-';
  const ok = r.databases.filter((d) => d.status === 'ok').length;
  const failed = r.databases.filter((d) => d.status === 'failed').length;
  const unverified = r.databases.filter((d) => d.status === 'unverified').length;
  const skipped = r.databases.length - ok - failed - unverified;
  return [`${ok}/${r.databases.length} ok`, failed > 0 ? `${failed} failed` : '', unverified > 0 ? `${unverified} unverified` : '', skipped > 0 ? `${skipped} skipped` : ''].filter(Boolean).join(', ');
}

export const drillSpec: CommandSpec = {
  name: 'drill',
  summary: 'restore a random sample (and every database dump) and compare with borg and the origin',
  usage: 'pullback drill [--host NAME]... [--sample N | --percent P] [--archive latest|random|NAME] [--seed S] [--at TIME] [--from-offsite TARGET] [--json]',
  options: {
    host: { type: 'string', multiple: true, short: 'H', value: 'NAME', description: 'only this host; repeat for several (default: every host in the config)' },
    sample: { type: 'string', value: 'N', description: 'restore N randomly chosen files (default: the configured sample)' },
    percent: { type: 'string', value: 'P', description: 'restore P percent of the files instead of a fixed number' },
    archive: { type: 'string', value: 'ARCHIVE', description: 'the archive to drill: random (the default, newer ones likelier), latest, or an archive name' },
    seed: { type: 'string', value: 'S', description: 'the random seed, to repeat an earlier drill exactly' },
    at: { type: 'string', value: 'TIME', description: 'recover each PostgreSQL source with pitr: to this point (default: one drawn inside its recovery window with the seed)' },
    json: { type: 'boolean', description: 'print the results as JSON' },
    'from-offsite': { type: 'string', value: 'TARGET', description: 'drill the copy on this off-site target (rclone: fetched and borg-checked first)' },
  },
  handler: (g, v) =>
    drillCommand(g, {
      hosts: v.host as string[] | undefined,
      sample: v.sample as string | undefined,
      percent: v.percent as string | undefined,
      archive: v.archive as string | undefined,
      seed: v.seed as string | undefined,
      json: !!v.json,
      fromOffsite: v['from-offsite'] as string | undefined,
      at: v.at as string | undefined,
    }),
};

