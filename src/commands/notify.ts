// `pullback notify --unit-failed UNIT`: tells the configured notifiers (notify:) that a systemd
// unit of pullback failed. The units `schedule --systemd` prints run it from their OnFailure=
// handler (pullback-notify-failure@.service), so a night that crashed, was killed or ran past
// RuntimeMaxSec= is heard of even when pullback itself could not say so.
import type { CommandSpec } from './spec.js';
import { loadConfig } from '../config/index.js';
import { UsageError } from '../errors.js';
import { createLogger } from '../logging/logger.js';
import { createNotifications } from '../notify/dispatch.js';
import { unitFailedEvent } from '../notify/event.js';
import type { GlobalOptions } from './common.js';

/** Sends the event and waits for every notifier (delivered or given up); exit 0. UsageError without a unit name. */
export async function notifyCommand(g: GlobalOptions, opts: { unitFailed?: string }): Promise<number> {
  const unit = opts.unitFailed;
  if (unit === undefined) throw new UsageError('pullback notify needs --unit-failed UNIT');
  if (!/^[A-Za-z0-9@._:\\-]{1,256}$/.test(unit)) throw new UsageError(`--unit-failed ${JSON.stringify(unit)} is not a systemd unit name`);
  const config = loadConfig(g.configPath);
  const logger = createLogger({ stateDir: config.global.stateDir, level: g.logLevel ?? 'info', stderrLevel: g.logLevel ?? 'warn', ...(g.logFormat ? { stderrFormat: g.logFormat } : {}), keepDays: config.global.logKeepDays });
  if (config.global.notify.length === 0) logger.warn(`${unit} failed, and no notifier is configured (notify:): nobody is told`);
  const notes = createNotifications(config.global.notify, { logger });
  await notes.emit(unitFailedEvent(unit));
  await notes.flush();
  logger.info({ unit }, `told the notifiers that ${unit} failed`);
  return 0;
}

export const notifySpec: CommandSpec = {
  name: 'notify',
  summary: "tell the notifiers (notify:) that a systemd unit failed (the OnFailure= handler of schedule --systemd's units)",
  usage: 'pullback notify --unit-failed UNIT',
  options: {
    'unit-failed': { type: 'string', value: 'UNIT', description: 'the failed unit, e.g. pullback-backup.service: a failure event naming it' },
  },
  handler: async (g, v) => notifyCommand(g, { unitFailed: v['unit-failed'] as string | undefined }),
};
