// The schedule as one table of jobs, and what it becomes for the three ways of running it: the
// jobs pullback daemon fires, crontab lines, and (systemd-units.ts) systemd service + timer units. Pure: no I/O.
import { parse } from 'node-cron';
import type { ScheduleConfig, ScheduledJob } from '../config/types.js';
import { UsageError } from '../errors.js';

export interface JobSpec<J extends string = ScheduledJob | 'base-backup'> {
  /** The schedule's job name, or `base-backup`: the daemon's own run of a host after a WAL gap (never skipped behind a nightly backup: it waits). */
  job: J;
  /** The pullback command the job runs (also the catalog's run kind). */
  command: string;
  what: string;
  /** Whether it works on the hosts (then it never overlaps another such job of the daemon). */
  touchesHosts: boolean;
  /** Arguments after the command (the daemon's own jobs, e.g. `--host H` for a base backup after a WAL gap). */
  args?: readonly string[];
  /** The longest a systemd run of it may take (a oneshot's TimeoutStartSec=) before it is stopped and its failure notified. */
  runtimeMax?: string;
}

/** Every job a schedule can name, in the order they are listed and printed. */
export const JOB_TABLE: readonly JobSpec<ScheduledJob>[] = [
  { job: 'backup', command: 'run', what: 'the nightly job (pullback run)', touchesHosts: true, runtimeMax: '23h' },
  { job: 'check', command: 'check', what: 'borg check of every repository and its archives (pullback check)', touchesHosts: true, runtimeMax: '2d' },
  { job: 'drill', command: 'drill', what: 'a restore drill of every host (pullback drill)', touchesHosts: true, runtimeMax: '12h' },
  { job: 'report', command: 'report', what: 'the morning report (pullback report)', touchesHosts: false, runtimeMax: '1h' },
];

export interface PlannedJob extends JobSpec {
  cron: string;
}

export interface SchedulePlan {
  timezone?: string;
  jobs: PlannedJob[];
  /** Configured jobs that will not run, each with why. */
  skipped: Array<{ job: ScheduledJob; reason: string }>;
}

/** The configured jobs (with their schedule.args) whose command this pullback has (`hasCommand`); the others skipped with a reason. */
export function planSchedule(schedule: ScheduleConfig, hasCommand: (name: string) => boolean): SchedulePlan {
  const plan: SchedulePlan = { jobs: [], skipped: [] };
  if (schedule.timezone !== undefined) plan.timezone = schedule.timezone;
  for (const spec of JOB_TABLE) {
    const cron = schedule.jobs[spec.job];
    if (cron === undefined) continue;
    const args = schedule.args?.[spec.job];
    if (hasCommand(spec.command)) plan.jobs.push({ ...spec, cron, ...(args ? { args } : {}) });
    else plan.skipped.push({ job: spec.job, reason: `this pullback has no '${spec.command}' command` });
  }
  return plan;
}

/** How the system's scheduler starts pullback: node, the CLI script, the config file. */
export interface Launcher {
  node: string;
  script: string;
  configPath: string;
}

/** The argv (after node) that runs `spec`'s command: the CLI, --config, the command. */
export function jobArgs(launcher: Launcher, spec: JobSpec, logLevel?: string): string[] {
  return [launcher.script, '--config', launcher.configPath, ...(logLevel ? ['--log-level', logLevel] : []), spec.command, ...(spec.args ?? [])];
}

/** A word for /bin/sh (cron runs its lines with it): bare when safe, else single-quoted; % escaped for cron. */
export function cronWord(word: string): string {
  const quoted = /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.split("'").join("'\\''")}'`;
  return quoted.split('%').join('\\%');
}

/**
 * /etc/cron.d lines running each job as `user`, nice'd and with idle I/O priority. Throws a
 * UsageError for an expression with a seconds field (crontab has none).
 */
export function buildCrontab(plan: SchedulePlan, launcher: Launcher, user: string): string {
  const lines = ['# pullback schedule for cron: install as /etc/cron.d/pullback (printed by pullback schedule --cron).'];
  if (plan.timezone !== undefined) {
    lines.push(`# Time zone ${plan.timezone}: cronie honours CRON_TZ; Debian's cron ignores it and uses the system's time zone.`, `CRON_TZ=${plan.timezone}`);
  }
  for (const j of plan.jobs) {
    const fields = j.cron.trim().split(/\s+/);
    if (fields.length === 6) throw new UsageError(`schedule.${j.job} '${j.cron}' has a seconds field, which crontab cannot express: use pullback daemon or --systemd`);
    const argv = ['nice', '-n', '10', 'ionice', '-c', '3', launcher.node, ...jobArgs(launcher, j)];
    lines.push(`# ${j.job}: ${j.what}`, `${fields.join(' ')} ${user} ${argv.map(cronWord).join(' ')}`);
  }
  for (const s of plan.skipped) lines.push(`# ${s.job}: not scheduled: ${s.reason}`);
  return `${lines.join('\n')}\n`;
}

/** A word of a systemd ExecStart= line: quoted when needed; % and $ doubled (specifiers, variables). */
export function systemdWord(word: string): string {
  const escaped = word.split('%').join('%%').split('$').join('$$');
  if (/^[A-Za-z0-9_@%$+=:,./-]+$/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Values as a systemd calendar component: `*` for the whole range, else a list with a..b runs. */
function component(values: readonly number[], min: number, max: number, show: (n: number) => string): string {
  const set = [...new Set(values)].sort((a, b) => a - b);
  if (set.length === max - min + 1) return '*';
  const parts: string[] = [];
  for (let i = 0; i < set.length; ) {
    let j = i;
    while (j + 1 < set.length && set[j + 1] === set[j]! + 1) j++;
    if (j - i >= 2) parts.push(`${show(set[i]!)}..${show(set[j]!)}`);
    else for (let k = i; k <= j; k++) parts.push(show(set[k]!));
    i = j + 1;
  }
  return parts.join(',');
}

const two = (n: number) => String(n).padStart(2, '0');

/** The systemd OnCalendar= value firing when the (valid) cron expression does. */
export function onCalendar(cron: string, timezone?: string): string {
  const f = parse(cron);
  const weekdays = f.dayOfWeek.map((d) => (Number(d) === 7 ? 0 : Number(d)));
  const dow = component(weekdays, 0, 6, (n) => WEEKDAYS[n]!);
  const date = `*-${component(f.month, 1, 12, two)}-${component(f.dayOfMonth.map(Number), 1, 31, two)}`;
  const time = [component(f.hour, 0, 23, two), component(f.minute, 0, 59, two), component(f.second, 0, 59, two)].join(':');
  return [dow === '*' ? undefined : dow, date, time, timezone].filter((p) => p !== undefined).join(' ');
}

export type OverlapDecision = { action: 'start' } | { action: 'wait'; behind: JobSpec['job'] } | { action: 'skip'; reason: string };

/**
 * What the daemon does with `job` when it fires while `running` and `waiting` jobs exist: a job
 * never runs twice at once nor queues twice (skip), a job on the hosts waits for another one on
 * the hosts, and a job that does not touch them (the report) starts at once.
 */
export function overlapDecision(job: JobSpec, running: readonly JobSpec[], waiting: readonly JobSpec[]): OverlapDecision {
  if (running.some((r) => r.job === job.job)) return { action: 'skip', reason: `the previous ${job.job} is still running` };
  if (waiting.some((w) => w.job === job.job)) return { action: 'skip', reason: `a ${job.job} is already waiting to start` };
  const busy = job.touchesHosts ? running.find((r) => r.touchesHosts) : undefined;
  return busy ? { action: 'wait', behind: busy.job } : { action: 'start' };
}
