// `pullback schedule --cron | --systemd`: the configured schedule for the system's scheduler instead
// of pullback daemon: /etc/cron.d lines or systemd service + timer units, printed.
import { userInfo } from 'node:os';
import type { CommandSpec } from './spec.js';
import { loadConfig } from '../config/index.js';
import { UsageError } from '../errors.js';
import { buildCrontab, planSchedule, renderSystemdUnits } from '../schedule/schedule.js';
import { CLI_SCRIPT } from '../schedule/child-job.js';
import type { GlobalOptions } from './common.js';

/** Prints the crontab or the units; UsageError without exactly one of --cron, --systemd or with nothing scheduled. */
export function scheduleCommand(g: GlobalOptions, opts: { cron: boolean; systemd: boolean }): number {
  if (opts.cron === opts.systemd) throw new UsageError('pullback schedule needs exactly one of --cron or --systemd');
  const config = loadConfig(g.configPath);
  const plan = planSchedule(config.global.schedule, g.hasCommand ?? (() => true));
  if (plan.jobs.length === 0) throw new UsageError(`nothing to schedule: ${config.global.file} has no schedule with backup, check, drill or report`);
  const launcher = { node: process.execPath, script: CLI_SCRIPT, configPath: config.global.file };
  g.out((opts.cron ? buildCrontab(plan, launcher, userInfo().username) : renderSystemdUnits(plan, launcher)).replace(/\n$/, ''));
  return 0;
}

export const scheduleSpec: CommandSpec = {
  name: 'schedule',
  summary: 'print the configured schedule as crontab lines or systemd service and timer units',
  usage: 'pullback schedule --cron | --systemd',
  options: {
    cron: { type: 'boolean', description: 'print lines for /etc/cron.d/pullback (run as the current user)' },
    systemd: { type: 'boolean', description: 'print a service and a timer per job for /etc/systemd/system' },
  },
  handler: async (g, v) => scheduleCommand(g, { cron: !!v.cron, systemd: !!v.systemd }),
};
