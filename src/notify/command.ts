// Command: an argv (never a shell) given the event as JSON on stdin (payload.ts); exit 0 means delivered.
import { hostname } from 'node:os';
import { eventPayload } from './payload.js';
import type { CommandNotifierConfig } from '../config/types-notify.js';
import { runCommand } from '../exec/run.js';
import type { Notifier } from './notifier.js';

export const commandNotifier: Notifier<CommandNotifierConfig> = {
  kind: 'command',
  describe: (c) => `command ${c.argv[0]}`,
  async deliver(c, event, ctx) {
    const [file, ...args] = c.argv;
    const r = await runCommand(file!, args, {
      input: JSON.stringify(eventPayload(event, hostname())) + '\n',
      env: { PULLBACK_EVENT: event.kind },
      timeoutMs: ctx.timeoutMs,
      signal: ctx.signal,
      logger: ctx.logger,
      quiet: true,
    });
    if (r.timedOut || r.aborted) throw new Error(`${file} did not finish in time`);
    if (r.exitCode !== 0) throw new Error(`${file} exited ${r.exitCode ?? r.signal}${r.stderrTail.length ? `: ${r.stderrTail.slice(-3).join(' | ')}` : ''}`);
  },
};
