// Sends events to the configured notifiers: each attempt under its timeout, retried with backoff,
// every outcome logged and recorded. Never throws and never waits longer than the notifiers'
// attempts × timeout plus backoffs: a dead webhook cannot hang or fail a run.
import type { Logger } from 'pino';
import type { Catalog } from '../catalog/catalog.js';
import type { NotifierConfig } from '../config/types-notify.js';
import { describeError } from '../errors.js';
import { wants, type NotifyEvent } from './event.js';
import { recordDelivery } from './record.js';
import { getNotifier } from './registry.js';

export interface Notifications {
  /** Sends `e` to every notifier that wants it; resolves when all are delivered (true) or one was given up (false). Never rejects. */
  emit(e: NotifyEvent): Promise<boolean>;
  /** Resolves when every emitted event is delivered or given up (for events emitted without waiting). */
  flush(): Promise<void>;
  /** One line per delivery given up so far (notifier, event, host, error): what cron mode prints. */
  failures(): string[];
}

/** The notifications of `configs`; logs to `logger` and records in `catalog` (when given). */
export function createNotifications(configs: readonly NotifierConfig[], opts: { logger: Logger; catalog?: Catalog }): Notifications {
  const pending = new Set<Promise<boolean>>();
  const failed: string[] = [];
  const log = opts.logger.child({ component: 'notify' });
  return {
    emit(e) {
      const p = Promise.all(configs.filter((c) => wants(c.on, e)).map((c) => deliverWithRetries(c, e, log, opts.catalog, failed))).then((all) => all.every(Boolean));
      pending.add(p);
      void p.finally(() => pending.delete(p));
      return p;
    },
    async flush() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    failures: () => [...failed],
  };
}

/** Delivers `e` to `c`, retrying; true when delivered. A delivery given up is logged, recorded and added to `failed`. */
async function deliverWithRetries(c: NotifierConfig, e: NotifyEvent, log: Logger, catalog: Catalog | undefined, failed: string[]): Promise<boolean> {
  let what = c.kind as string;
  const started = Date.now();
  let attempts = 0;
  let lastError = '';
  try {
    const notifier = getNotifier(c.kind);
    what = notifier.describe(c);
    const timeoutMs = c.timeoutSeconds * 1000;
    for (attempts = 1; attempts <= c.attempts; attempts++) {
      try {
        await withDeadline(timeoutMs, (signal) => notifier.deliver(c, e, { signal, timeoutMs, logger: log }));
        log.debug({ notifier: what, event: e.kind, host: e.host, attempts }, `notified ${what} of ${e.kind}`);
        record(catalog, log, { runId: e.runId, event: e.kind, host: e.host, notifier: what, status: 'ok', attempts, durationMs: Date.now() - started });
        return true;
      } catch (err) {
        lastError = describeError(err);
        if (attempts < c.attempts) {
          const wait = c.backoffSeconds * 1000 * 2 ** (attempts - 1);
          log.info({ notifier: what, event: e.kind, attempt: attempts, error: lastError }, `notifying ${what} failed, retrying in ${wait / 1000}s`);
          await sleep(wait);
        }
      }
    }
    attempts = c.attempts;
  } catch (err) {
    lastError = describeError(err); // a bug in a notifier: still only a failed notification
  }
  const line = `could not notify ${what} of ${e.kind}${e.host ? ` (${e.host})` : ''} after ${attempts} attempt(s): ${lastError}`;
  log.warn({ notifier: what, event: e.kind, host: e.host, attempts, error: lastError }, line);
  record(catalog, log, { runId: e.runId, event: e.kind, host: e.host, notifier: what, status: 'failed', attempts, durationMs: Date.now() - started, error: lastError });
  failed.push(line);
  return false;
}

/** Runs `fn` with a signal that aborts after `ms`; rejects at `ms` even if `fn` ignores the signal. */
async function withDeadline(ms: number, fn: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ac.abort(new Error('timeout'));
      reject(new Error(`no answer within ${ms / 1000}s`));
    }, ms);
  });
  try {
    await Promise.race([fn(ac.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function record(catalog: Catalog | undefined, log: Logger, r: Parameters<typeof recordDelivery>[1]): void {
  if (!catalog) return;
  try {
    recordDelivery(catalog.db, r);
  } catch (err) {
    log.warn({ err }, 'could not record a notification in the catalog');
  }
}
