// `pullback daemon`: runs the configured schedule (node-cron, in schedule.timezone) and the WAL
// receivers of point-in-time recovery until SIGTERM or SIGINT. Each job is the CLI command itself in a child process; on a stop signal the running job
// gets SIGTERM (it stops its children and records its run as interrupted) and the daemon exits 0.
import { join } from 'node:path';
import { createTask, type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import { JobQueue } from '../schedule/job-queue.js';
import type { CommandSpec } from './spec.js';
import { UsageError } from '../errors.js';
import { planSchedule, type PlannedJob } from '../schedule/schedule.js';
import { CLI_SCRIPT, runPullbackJob } from '../schedule/child-job.js';
import { interruptSignal, openEnv, type GlobalOptions } from './common.js';
import { pitrSources, runReceivers } from '../pitr/receivers.js';
import { writeMetricsAfterJob } from '../report/metrics-write.js';
import type { HostConfig, SourceConfig } from '../config/types.js';

/** Runs the schedule until interrupted; resolves 0 after a clean stop. UsageError when nothing is scheduled. */
const HEARTBEAT_MS = 60_000;

export async function daemonCommand(g: GlobalOptions): Promise<number> {
  const env = openEnv(g, { repositories: true });
  try {
    const { schedule, stateDir } = env.config.global;
    const log = env.logger.child({ daemon: process.pid });
    const plan = planSchedule(schedule, g.hasCommand ?? (() => true));
    for (const s of plan.skipped) log.warn({ job: s.job }, `${s.job} is not scheduled: ${s.reason}`);
    if (plan.jobs.length === 0 && pitrSources(env.config).length === 0) {
      throw new UsageError(`nothing to schedule: ${env.config.global.file} has no schedule with backup, check, drill or report and no source with pitr (see docs/configuration.md)`);
    }
    const interrupt = interruptSignal(log);
    const launcher = { node: process.execPath, script: CLI_SCRIPT, configPath: env.config.global.file };
    const queue = new JobQueue({
      catalog: env.catalog,
      logger: log,
      signal: interrupt.signal,
      runLockFile: join(stateDir, 'locks', 'run.lock'),
      run: (job, signal) =>
        runPullbackJob(launcher, job, {
          signal,
          logger: log.child({ job: job.job }),
          logLevel: g.logLevel,
          onStdoutLine: (line) => log.info({ job: job.job }, line),
          // The job's own log lines, as it wrote them (its log file has them all).
          onStderrLine: (line) => process.stderr.write(`${line}\n`),
        }),
    });
    const tasks: Array<{ job: PlannedJob; task: ScheduledTask }> = [];
    // The WAL receivers (point-in-time recovery) run in this process beside the schedule, until the stop signal.
    // A gap in a source's WAL is answered at once by a run of its host, whose base backup starts a new window.
    const afterGap = (host: HostConfig, source: SourceConfig) =>
      queue.fire({ job: 'base-backup', command: 'run', what: `a base backup of ${host.name}/${source.name} after a WAL gap`, touchesHosts: true, cron: 'after a WAL gap', args: ['--host', host.name] });
    const receivers = runReceivers(env.config, env.catalog, log, interrupt.signal, afterGap);
    // The metrics file is rewritten every minute (a job rewrites it too): while WAL streams the
    // recovery window's newest point moves, and the lights (pullback_freshness) turn red as time
    // passes without a run. The alert rules need no refresh (they compute ages from the timestamps
    // with time(), docs/alerts/), but a dashboard's lights are then never older than a minute.
    const refresh = env.config.global.metricsFile
      ? setInterval(() => void writeMetricsAfterJob({ config: env.config, catalog: env.catalog, logger: log, ...(env.fleet ? { fleet: env.fleet } : {}) }), METRICS_REFRESH_MS)
      : undefined;
    // A fleet catalog hears from this backup host every minute (its heartbeat, with anything the jobs
    // could not push): a backup host whose daemon stopped turns red on every other one's status.
    const heartbeat = env.fleet ? setInterval(() => void env.fleet!.syncSoon(env.catalog.db), HEARTBEAT_MS) : undefined;
    heartbeat?.unref();
    if (env.fleet) void env.fleet.syncSoon(env.catalog.db);
    try {
      for (const job of plan.jobs) {
        const task = createTask(job.cron, () => queue.fire(job), { name: job.job, logger: cronLogger(log), ...(plan.timezone ? { timezone: plan.timezone } : {}) });
        tasks.push({ job, task });
      }
      for (const { task } of tasks) await task.start();
      log.info({ timezone: plan.timezone ?? 'system', jobs: plan.jobs.map((j) => `${j.job} ${j.cron}`) }, 'daemon started');
      for (const { job, task } of tasks) {
        const next = task.getNextRuns(3).map((d) => d.toISOString());
        log.info({ job: job.job, cron: job.cron, next }, `${job.job} next at ${next[0] ?? 'never'}`);
      }
      await new Promise<void>((resolve) => {
        if (interrupt.signal.aborted) resolve();
        else interrupt.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      log.info('daemon stopping: no new jobs; the running job is being stopped');
    } finally {
      if (refresh) clearInterval(refresh);
      if (heartbeat) clearInterval(heartbeat);
      for (const { task } of tasks) await task.destroy();
      await queue.idle();
      await receivers;
      interrupt.dispose();
    }
    log.info('daemon stopped');
    return 0;
  } finally {
    env.close();
  }
}

const METRICS_REFRESH_MS = 60_000;

/** node-cron's own messages (missed executions) into our log. */
function cronLogger(log: Logger) {
  return {
    info: (m: string) => log.info({ source: 'node-cron' }, m),
    warn: (m: string) => log.warn({ source: 'node-cron' }, m),
    error: (m: string | Error, err?: Error) => log.error({ source: 'node-cron', err: err ?? m }, String(m)),
    debug: (m: string | Error) => log.debug({ source: 'node-cron' }, String(m)),
  };
}

export const daemonSpec: CommandSpec = {
  name: 'daemon',
  summary: 'run the configured schedule (backup, check, drill, report) until SIGTERM or SIGINT',
  usage: 'pullback daemon',
  options: {},
  handler: (g) => daemonCommand(g),
};
