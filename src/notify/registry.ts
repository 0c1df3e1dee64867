// The explicit registry of notifiers: the kind of a `notify:` entry selects one here.
import type { NotifierConfig, NotifierKind } from '../config/types-notify.js';
import { InternalError } from '../errors.js';
import { commandNotifier } from './command.js';
import { emailNotifier } from './email.js';
import { healthchecksNotifier } from './healthchecks.js';
import type { Notifier } from './notifier.js';
import { webhookNotifier } from './webhook.js';

const NOTIFIERS: Record<NotifierKind, Notifier<never>> = {
  webhook: webhookNotifier,
  command: commandNotifier,
  healthchecks: healthchecksNotifier,
  email: emailNotifier,
};

/** The notifier registered under `kind`; throws InternalError for a kind the schema should have refused. */
export function getNotifier(kind: NotifierKind | string): Notifier<NotifierConfig> {
  const n = (NOTIFIERS as Record<string, Notifier<never> | undefined>)[kind];
  if (!n) throw new InternalError(`no notifier named ${JSON.stringify(kind)}`);
  return n as unknown as Notifier<NotifierConfig>;
}

/** Every registered notifier (for the contract test and docs). */
export function allNotifiers(): Notifier<NotifierConfig>[] {
  return Object.values(NOTIFIERS) as unknown as Notifier<NotifierConfig>[];
}
