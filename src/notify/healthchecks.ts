// healthchecks.io-style pings: <url>/start when work starts, <url> on success (or warning),
// <url>/fail on failure; the event's text is the body (healthchecks shows it with the ping).
import type { HealthchecksNotifierConfig } from '../config/types-notify.js';
import type { NotifyEvent } from './event.js';
import { eventText, urlOrigin, type Notifier } from './notifier.js';
import { postOk } from './http.js';

/** The ping URL of an event. */
export function pingUrl(base: string, e: NotifyEvent): string {
  const url = base.replace(/\/+$/, '');
  if (e.kind === 'start' || e.phase === 'start') return `${url}/start`;
  if (e.status === 'ok' || e.status === 'warning') return url;
  return `${url}/fail`;
}

export const healthchecksNotifier: Notifier<HealthchecksNotifierConfig> = {
  kind: 'healthchecks',
  describe: (c) => `healthchecks ${urlOrigin(c.url)}`,
  async deliver(c, event, ctx) {
    await postOk(pingUrl(c.url, event), { headers: { 'content-type': 'text/plain; charset=utf-8', 'user-agent': 'pullback' }, body: eventText(event), signal: ctx.signal });
  },
};
