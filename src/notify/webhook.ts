// Webhook: the event as a JSON POST (payload.ts); header values may come from files (tokens).
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { eventPayload } from './payload.js';
import type { WebhookNotifierConfig } from '../config/types-notify.js';
import { urlOrigin, type Notifier } from './notifier.js';
import { postOk } from './http.js';

export const webhookNotifier: Notifier<WebhookNotifierConfig> = {
  kind: 'webhook',
  describe: (c) => `webhook ${urlOrigin(c.url)}`,
  async deliver(c, event, ctx) {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'pullback' };
    for (const h of c.headers) headers[h.name] = h.valueFile ? readSecret(h.valueFile) : (h.value ?? '');
    await postOk(c.url, { headers, body: JSON.stringify(eventPayload(event, hostname())), signal: ctx.signal });
  },
};

function readSecret(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (e) {
    throw new Error(`cannot read header value file ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}
