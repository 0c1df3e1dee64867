// The one interface every notifier implements; the registry (registry.ts) lists them.
import type { Logger } from 'pino';
import type { NotifierConfig, NotifierKind } from '../config/types-notify.js';
import type { NotifyEvent } from './event.js';

export interface DeliveryContext {
  /** Aborts when the attempt's timeout is reached (or the command is stopped). */
  signal: AbortSignal;
  timeoutMs: number;
  logger: Logger;
}

export interface Notifier<C extends NotifierConfig = NotifierConfig> {
  kind: NotifierKind;
  /** Where it goes, for logs and the catalog: never a secret (no URL path, token or password). */
  describe(config: C): string;
  /** Delivers one event; resolves when delivered, throws (any Error) when not. Must honour ctx.signal. */
  deliver(config: C, event: NotifyEvent, ctx: DeliveryContext): Promise<void>;
}

/** The event as plain text: the body of an email, a healthchecks ping, a chat message. */
export function eventText(e: NotifyEvent): string {
  const lines = [e.title, '', e.summary ?? ''];
  for (const f of e.failures ?? []) lines.push(`- ${f.step}${f.source ? ` ${f.source}` : ''}: ${f.error}`);
  lines.push('', `${e.command}${e.runId !== undefined ? ` run ${e.runId}` : ''} at ${e.at}`);
  return lines.join('\n').replace(/\n{3,}/g, '\n\n').trim() + '\n';
}

/** The scheme and host of a URL (its path and query may hold a token). */
export function urlOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(bad URL)';
  }
}
