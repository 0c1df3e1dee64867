// The daemon's job queue: fires jobs as the schedule says, never two jobs on the hosts at once (a
// later one waits, one that is already running or waiting is skipped), every skip logged and
// recorded in the catalog as a run with status skipped. A job's failure, or a bug in running it,
// is logged and the queue goes on.
import type { Logger } from 'pino';
import type { Catalog } from '../catalog/catalog.js';
import { lockHolder } from '../lock/run-lock.js';
import { overlapDecision, type PlannedJob } from './schedule.js';
import { isGone } from '../util/process-identity.js';
import type { JobOutcome } from './child-job.js';

export interface JobQueueOptions {
  catalog: Catalog;
  logger: Logger;
  signal: AbortSignal;
  /** The run lock of `pullback run`: a backup is skipped while another process holds it. */
  runLockFile: string;
  run: (job: PlannedJob, signal: AbortSignal) => Promise<JobOutcome>;
}

/** How often a job that waits for the run lock looks again. */
const LOCK_RETRY_MS = 5_000;

export class JobQueue {
  private readonly running = new Map<PlannedJob, Promise<void>>();
  private readonly waiting: PlannedJob[] = [];
  /** Jobs that wait for the run lock (said once). */
  private readonly lockWaits = new Set<PlannedJob>();

  constructor(private readonly o: JobQueueOptions) {}

  /** The schedule fired `job` (never throws). */
  fire(job: PlannedJob): void {
    try {
      if (this.o.signal.aborted) return;
      const d = overlapDecision(job, [...this.running.keys()], this.waiting);
      if (d.action === 'skip') this.skip(job, d.reason);
      else if (d.action === 'wait') {
        this.o.logger.warn({ job: job.job, behind: d.behind }, `${job.job} waits: ${d.behind} is still running on the hosts`);
        this.waiting.push(job);
      } else this.start(job);
    } catch (e) {
      this.o.logger.error({ err: e, job: job.job }, `internal error scheduling ${job.job} (a bug); the daemon goes on`);
    }
  }

  /** Resolves once no job runs any more (jobs still waiting are dropped when the daemon stops). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
    for (const w of this.waiting.splice(0)) this.o.logger.warn({ job: w.job }, `${w.job} not started: the daemon is stopping`);
  }

  private skip(job: PlannedJob, reason: string): void {
    this.o.logger.warn({ job: job.job }, `${job.job} skipped: ${reason}`);
    const id = this.o.catalog.startRun(job.command, { scheduled: job.job, cron: job.cron });
    this.o.catalog.finishRun(id, 'skipped', reason);
  }

  private start(job: PlannedJob): void {
    const holder = job.command === 'run' ? lockHolder(this.o.runLockFile) : undefined;
    if (holder) {
      // A base backup after a WAL gap is owed, not merely due: it waits for the run lock instead of being skipped.
      if (job.job === 'base-backup') {
        if (!this.lockWaits.has(job)) this.o.logger.warn({ job: job.job }, `${job.what} waits: ${holder} holds the run lock`);
        this.lockWaits.add(job);
        setTimeout(() => this.fire(job), LOCK_RETRY_MS).unref();
      } else this.skip(job, `${holder} holds the run lock`);
      this.next();
      return;
    }
    this.lockWaits.delete(job);
    const log = this.o.logger.child({ job: job.job });
    const started = new Date();
    log.info({ cron: job.cron }, `${job.job} starting: pullback ${job.command}`);
    const p = this.o
      .run(job, this.o.signal)
      .then((r) => {
        const how = r.aborted ? 'interrupted' : r.exitCode === 0 ? 'succeeded' : r.signal ? `was killed by ${r.signal}` : `failed (exit ${r.exitCode})`;
        const level = r.exitCode === 0 ? 'info' : 'warn';
        log[level]({ exitCode: r.exitCode, signal: r.signal, durationMs: r.durationMs }, `${job.job} ${how}`);
      })
      .catch((e: unknown) => log.error({ err: e }, `${job.job} could not run: ${(e as Error)?.message ?? String(e)}`))
      .finally(() => {
        this.closeAbandoned(job, started, log);
        this.running.delete(job);
        this.next();
      });
    this.running.set(job, p);
  }

  /** Runs its job left 'running' once it exited (killed, or it crashed) are recorded as interrupted. */
  private closeAbandoned(job: PlannedJob, since: Date, log: Logger): void {
    try {
      const rows = this.o.catalog.db
        .prepare("SELECT id, pid, pid_start, boot_id FROM runs WHERE kind = ? AND status = 'running' AND started_at >= ?")
        .all(job.command, since.toISOString()) as Array<{ id: number; pid: number | null; pid_start: string | null; boot_id: string | null }>;
      for (const r of rows) {
        if (r.pid !== null && !isGone({ pid: r.pid, start: r.pid_start ?? undefined, bootId: r.boot_id ?? undefined })) continue;
        log.warn({ runId: r.id, pid: r.pid }, `${job.job}: run ${r.id} was left running by its process; recorded as interrupted`);
        this.o.catalog.interruptRun(r.id);
      }
    } catch (e) {
      log.error({ err: e }, 'cannot check the catalog for abandoned runs');
    }
  }

  private next(): void {
    if (this.o.signal.aborted) return;
    const i = this.waiting.findIndex((w) => overlapDecision(w, [...this.running.keys()], []).action === 'start');
    if (i >= 0) this.start(this.waiting.splice(i, 1)[0]!);
  }
}
