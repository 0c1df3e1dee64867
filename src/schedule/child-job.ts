// Runs one pullback command as a child process (the daemon's jobs): the same code path as the CLI,
// its own process with its own locks and signal handling. On abort it gets SIGTERM and time to stop
// its children and record the run as interrupted before a SIGKILL.
import { join } from 'node:path';
import type { Logger } from 'pino';
import { runCommand } from '../exec/run.js';
import { jobArgs, type JobSpec, type Launcher } from './schedule.js';
import { installRoot } from '../util/install-root.js';

/** The CLI script of this pullback (dist/cli/main.js). */
export const CLI_SCRIPT = join(installRoot(), 'dist', 'cli', 'main.js');

/** Grace between SIGTERM and SIGKILL for a job: a run stops its rsync/borg (5 s each) and records. */
export const JOB_STOP_GRACE_MS = 60_000;

export interface JobOutcome {
  exitCode: number | undefined;
  signal: string | undefined;
  aborted: boolean;
  durationMs: number;
}

export interface JobRunOptions {
  signal: AbortSignal;
  logger: Logger;
  logLevel?: string;
  /** Each line the command prints for people (its summary table). */
  onStdoutLine?: (line: string) => void;
  /** Each line of its terminal log (stderr). */
  onStderrLine?: (line: string) => void;
}

/** Runs `pullback --config FILE <command>`; resolves with how it ended, throws ToolError only when it cannot start. */
export async function runPullbackJob(launcher: Launcher, spec: JobSpec, o: JobRunOptions): Promise<JobOutcome> {
  // --verbose: the daemon logs the job's summary and relays its log lines (its own output is a
  // service's journal, not a cron mail), so the job prints them as at a terminal.
  const [script, ...rest] = jobArgs(launcher, spec, o.logLevel);
  const r = await runCommand(launcher.node, [script!, '--verbose', ...rest], {
    cwd: '/',
    signal: o.signal,
    killGraceMs: JOB_STOP_GRACE_MS,
    logger: o.logger,
    onStdoutLine: o.onStdoutLine,
    onStderrLine: o.onStderrLine,
  });
  return { exitCode: r.exitCode, signal: r.signal, aborted: r.aborted, durationMs: r.durationMs };
}
