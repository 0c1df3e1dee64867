// `status --notify` run as often as cron runs it tells the notifiers of a change of state once
// (stale, then recovered after a good night) and reminds them of what stays stale every
// notify_remind, instead of sending every stale event each time. What was sent is in the catalog.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { hostname } from 'node:os';
import { makeTempDir, queryCatalog, runCli, schemaProblems, startListener, startSshd, writeTestConfig } from '../../harness/index.js';

interface Event {
  kind: string;
  host: string;
  source?: string;
  title: string;
  status: string;
}

describe('status --notify', () => {
  let server: Awaited<ReturnType<typeof startSshd>>;
  beforeAll(async () => {
    server = await startSshd();
  });

  it('sends a change of state once, reminds at notify_remind, and says when it recovered', async () => {
    const source = makeTempDir('main-server-');
    mkdirSync(join(source, 'sub'));
    writeFileSync(join(source, 'sub', 'file.txt'), 'data\n');
    const hook = await startListener();
    const cfg = await writeTestConfig({
      global: { checks: { repository: 'never', archives: 'never' }, notify: [{ webhook: `${hook.url}/hook`, on: ['stale'], timeout: '5s', attempts: 1 }] },
      hosts: [{ name: 'main', server, sources: [{ name: 'data', kind: 'data', path: source }] }],
    });
    const events = () => hook.received.map((r) => JSON.parse(r.body) as Event);
    const status = () => runCli(['--config', cfg.configPath, 'status', '--notify'], { cron: true });

    // Never backed up: the host and its source are stale. The first status tells it, in cron mode
    // printing what it sent; the next ones (an hourly cron) send nothing and print nothing.
    const first = await status();
    expect(first.exitCode).toBe(1);
    expect(first.stdout).toBe('');
    expect(events().map((e) => `${e.kind} ${e.host}${e.source ? `/${e.source}` : ''}`).sort()).toEqual(['stale main', 'stale main/data']);
    expect(first.stderr).toContain('pullback: main is stale (never succeeded)');
    // The payload (docs/schemas/event.schema.json): one text line for chat, the backup host, snake_case details.
    for (const r of hook.received) expect(schemaProblems('event', JSON.parse(r.body)), r.body).toEqual([]);
    const stale = JSON.parse(hook.received[0]!.body) as { text: string; backup_host: string; details: Record<string, unknown> };
    expect(stale.text).toMatch(/^pullback: main(\/data)? is stale \(never succeeded\) \| /);
    expect(stale.backup_host).toBe(hostname());
    expect(stale.details).toMatchObject({ last_success: null, age_seconds: null, max_age_seconds: expect.any(Number) });
    for (let i = 0; i < 2; i++) {
      const again = await status();
      expect({ exit: again.exitCode, stdout: again.stdout, stderr: again.stderr }).toEqual({ exit: 1, stdout: '', stderr: '' });
    }
    expect(events()).toHaveLength(2);
    const rows = queryCatalog<{ key: string; state: string; sent: number; notified_at: string | null }>(cfg.stateDir, 'SELECT key, state, sent, notified_at FROM notify_state ORDER BY key');
    expect(rows.map((r) => [r.key, r.state, r.sent])).toEqual([
      ['main', 'stale', 1],
      ['main/data', 'stale', 1],
    ]);
    expect(rows.every((r) => r.notified_at !== null)).toBe(true);

    // notify_remind past since the last event: a reminder ("still stale"), once. The same
    // configuration with a remind interval of 1s, over the same state directory.
    const withRemind = join(cfg.dir, 'remind.yaml');
    writeFileSync(withRemind, stringify({ ...(parse(readFileSync(cfg.configPath, 'utf8')) as object), notify_remind: '1s' }));
    await new Promise((r) => setTimeout(r, 1500));
    const reminded = await runCli(['--config', withRemind, 'status', '--notify'], { cron: true });
    expect(reminded.exitCode).toBe(1);
    const reminders = events().slice(2);
    expect(reminders.map((e) => e.title).sort()).toEqual(['pullback: main is still stale (never succeeded)', 'pullback: main/data is still stale (never succeeded)']);
    expect(reminders.every((e) => e.kind === 'stale')).toBe(true);

    // A good night: the next status says, once, that both recovered.
    const night = await runCli(['--config', cfg.configPath, 'run'], { timeoutMs: 100_000 });
    expect(night.exitCode, night.stderr).toBe(0);
    const recovered = await status();
    expect(recovered.exitCode, recovered.stderr).toBe(0);
    expect(recovered.stdout).toBe('');
    const after = events().slice(4);
    expect(after.map((e) => `${e.kind} ${e.status} ${e.host}${e.source ? `/${e.source}` : ''}`).sort()).toEqual(['recovered ok main', 'recovered ok main/data']);
    expect(recovered.stderr).toContain('pullback: main recovered (fresh again)');
    const quiet = await status();
    expect({ exit: quiet.exitCode, stdout: quiet.stdout, stderr: quiet.stderr }).toEqual({ exit: 0, stdout: '', stderr: '' });
    expect(events()).toHaveLength(6);
    expect(queryCatalog(cfg.stateDir, 'SELECT key FROM notify_state')).toEqual([]);
  }, 300_000);
});
