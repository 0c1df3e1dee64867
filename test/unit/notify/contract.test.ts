// Every registered notifier keeps the contract the dispatcher relies on: it delivers the event to a
// real target, fails (never hangs) against a target that never answers, and keeps secrets out of
// its description. Each kind needs a fixture here: a new notifier without one fails this test.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { NotifierConfig, NotifierKind } from '../../../src/config/types.js';
import { createNotifications } from '../../../src/notify/dispatch.js';
import { hostEvent, type NotifyEvent } from '../../../src/notify/event.js';
import { allNotifiers, getNotifier } from '../../../src/notify/registry.js';
import { makeTempDir, recordingScript, startListener } from '../../harness/index.js';

const logger = pino({ level: 'silent' });
const common = { on: ['failure' as const], timeoutSeconds: 1, attempts: 2, backoffSeconds: 0.2 };
const event: NotifyEvent = hostEvent(7, { host: 'web-1', status: 'failed', problems: ['data: ssh: connection refused'], checks: [] }, [
  { host: 'web-1', step: 'pull', source: 'data', status: 'failed', error: 'ssh: connection refused' },
]);

/** A TCP server that accepts and never says a word (an SMTP server that never greets). */
async function silentTcp(): Promise<number> {
  const server = createServer(() => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  server.unref();
  return (server.address() as AddressInfo).port;
}

interface Fixture {
  working(): Promise<{ config: NotifierConfig; received(): string[] }>;
  hanging(): Promise<NotifierConfig>;
  secret?: { config: () => Promise<NotifierConfig>; secret: string };
}

const FIXTURES: Record<NotifierKind, Fixture> = {
  webhook: {
    async working() {
      const l = await startListener();
      const token = join(makeTempDir('token-'), 't');
      writeFileSync(token, 'sekrit-token\n');
      return {
        config: { ...common, kind: 'webhook', url: `${l.url}/hook`, headers: [{ name: 'Authorization', valueFile: token }] },
        received: () => l.received.map((r) => `${r.headers.authorization} ${r.body}`),
      };
    },
    hanging: async () => ({ ...common, kind: 'webhook', url: (await startListener({ hang: true })).url, headers: [] }),
    secret: { config: async () => ({ ...common, kind: 'webhook', url: 'https://hooks.example.org/services/T0/B0/sekrit', headers: [] }), secret: 'sekrit' },
  },
  command: {
    async working() {
      const s = recordingScript('page-oncall');
      return { config: { ...common, kind: 'command', argv: [s.path, '--urgent'] }, received: s.records };
    },
    hanging: async () => ({ ...common, kind: 'command', argv: [recordingScript('hang', { hang: true }).path] }),
  },
  healthchecks: {
    async working() {
      const l = await startListener();
      return { config: { ...common, kind: 'healthchecks', url: `${l.url}/ping/uuid` }, received: () => l.received.map((r) => `${r.path} ${r.body}`) };
    },
    hanging: async () => ({ ...common, kind: 'healthchecks', url: `${(await startListener({ hang: true })).url}/ping/uuid` }),
    secret: { config: async () => ({ ...common, kind: 'healthchecks', url: 'https://hc-ping.com/0f0e-sekrit-uuid' }), secret: 'sekrit' },
  },
  email: {
    async working() {
      const s = recordingScript('sendmail');
      return { config: { ...common, kind: 'email', to: ['ops@example.org'], from: 'backup@example.org', sendmail: s.path }, received: s.records };
    },
    hanging: async () => ({ ...common, kind: 'email', to: ['ops@example.org'], from: 'backup@example.org', smtp: { host: '127.0.0.1', port: await silentTcp(), secure: false } }),
    secret: {
      config: async () => {
        const pw = join(makeTempDir('smtp-'), 'pw');
        writeFileSync(pw, 'sekrit-pw\n');
        return { ...common, kind: 'email', to: ['ops@example.org'], from: 'b@example.org', smtp: { host: 'smtp.example.org', port: 587, secure: false, user: 'u', passwordFile: pw } };
      },
      secret: 'sekrit',
    },
  },
};

it('every registered notifier has a fixture in this test', () => {
  expect(Object.keys(FIXTURES).sort()).toEqual(allNotifiers().map((n) => n.kind).sort());
});

describe.each(allNotifiers().map((n) => [n.kind, n] as const))('notifier %s', (kind, notifier) => {
  const fx = FIXTURES[kind];

  it('is registered under its kind', () => {
    expect(getNotifier(kind)).toBe(notifier);
  });

  it('delivers the event, naming the host and the failed step', async () => {
    const { config, received } = await fx.working();
    // A generous timeout: with 1 s a loaded machine let the first attempt time out after the target
    // had it, and the retry delivered it twice (seen at load 9).
    const notes = createNotifications([{ ...config, timeoutSeconds: 30 }], { logger });
    expect(await notes.emit(event)).toBe(true);
    const got = received();
    expect(got).toHaveLength(1);
    expect(got[0]).toContain('web-1');
    expect(got[0]).toMatch(/connection refused/);
    if (kind === 'webhook') expect(got[0]).toMatch(/^sekrit-token \{/);
    if (kind === 'healthchecks') expect(got[0]).toMatch(/^\/ping\/uuid\/fail /);
    if (kind === 'command') expect(got[0]).toMatch(/ARGV: --urgent\n\{"schema_version":1,"kind":"failure"/);
    if (kind === 'email') expect(got[0]).toMatch(/ARGV: -i -f backup@example.org -- ops@example.org\n[\s\S]*Subject: pullback: web-1 FAILED/);
  });

  it.runIf(fx.secret !== undefined)('keeps secrets out of its description', async () => {
    const config = await fx.secret!.config();
    expect(notifier.describe(config)).not.toContain(fx.secret!.secret);
  });
});

// Each waits out its timeouts (2 x 1 s + 0.2 s): the notifiers do it side by side, not one after another.
describe.concurrent('every notifier, against a target that never answers', () => {
  it.for(allNotifiers().map((n) => n.kind))('%s gives up within attempts x timeout + backoff, without throwing', async (kind, { expect }) => {
    const config = await FIXTURES[kind].hanging();
    const notes = createNotifications([config], { logger });
    const started = Date.now();
    // false: given up (status --notify sends it again next time); said once for cron mode.
    await expect(notes.emit(event)).resolves.toBe(false);
    // It gives up (a notifier without a timeout would hang until the test's own): the bound is loose,
    // as a loaded 2-core CI machine stretches 2 x 1 s + 0.2 s by seconds.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(notes.failures()).toHaveLength(1);
    expect(notes.failures()[0]).toMatch(/^could not notify .* after 2 attempt\(s\)/);
  });
});
