// `pullback schedule --cron | --systemd`: the configured schedule for the system's scheduler instead
// of pullback daemon: /etc/cron.d lines or systemd service + timer units (sandboxed, as --user), printed.
import { userInfo } from 'node:os';
import type { CommandSpec } from './spec.js';
import { loadConfig } from '../config/index.js';
import { UsageError } from '../errors.js';
import { buildCrontab, planSchedule } from '../schedule/schedule.js';
import { renderSystemdUnits, writablePaths } from '../schedule/systemd-units.js';
import { CLI_SCRIPT } from '../schedule/child-job.js';
import type { GlobalOptions } from './common.js';

/** Prints the crontab or the units; UsageError without exactly one of --cron, --systemd or with nothing scheduled. */
export function scheduleCommand(g: GlobalOptions, opts: { cron: boolean; systemd: boolean; user?: string }): number {
  if (opts.cron === opts.systemd) throw new UsageError('pullback schedule needs exactly one of --cron or --systemd');
  if (opts.user !== undefined && !opts.systemd) throw new UsageError('--user goes with --systemd (cron lines run as the current user)');
  // root by default: only root keeps what is pulled as the main server has it (owners, groups,
  // security.* attributes); the sandbox still leaves only the state and repositories writable and
  // the capabilities to those of file ownership. A dedicated user is a choice made knowingly.
  const user = opts.user ?? 'root';
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(user)) throw new UsageError(`--user ${JSON.stringify(user)} is not a user name`);
  const config = loadConfig(g.configPath);
  const plan = planSchedule(config.global.schedule, g.hasCommand ?? (() => true));
  if (plan.jobs.length === 0) throw new UsageError(`nothing to schedule: ${config.global.file} has no schedule with backup, check, drill or report`);
  const launcher = { node: process.execPath, script: CLI_SCRIPT, configPath: config.global.file };
  g.out((opts.cron ? buildCrontab(plan, launcher, userInfo().username) : renderSystemdUnits(plan, launcher, { user, writable: writablePaths(config) })).replace(/\n$/, ''));
  return 0;
}

export const scheduleSpec: CommandSpec = {
  name: 'schedule',
  summary: 'print the configured schedule as crontab lines or systemd service and timer units',
  usage: 'pullback schedule --cron | --systemd [--user NAME]',
  options: {
    cron: { type: 'boolean', description: 'print lines for /etc/cron.d/pullback (run as the current user)' },
    systemd: { type: 'boolean', description: 'print a sandboxed service and a timer per job, and the failure notifier, for /etc/systemd/system' },
    user: { type: 'string', value: 'NAME', description: 'with --systemd: the user the units run as (default root, which keeps pulled files\' owners; a dedicated user such as pullback stores every file as its own)' },
  },
  handler: async (g, v) => scheduleCommand(g, { cron: !!v.cron, systemd: !!v.systemd, ...(v.user !== undefined ? { user: v.user as string } : {}) }),
};
