// Each host's notification and the metrics file go out when that host ends, not when the slowest
// host of the run ends. The healthy host's rsync is held at a gate (a wrapper as rsync_path that
// waits for a file) until the test has seen the down host's failure webhook and its figures in the
// metrics file; the order is then read from the catalog (the held host's end time) against the
// webhook's receive time, not from wall-clock thresholds.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort, makeTempDir, queryCatalog, runCli, startListener, startSshd, waitFor, writeTestConfig } from '../../harness/index.js';

/** An rsync_path that waits until `gate` exists, then runs the real rsync. */
function gatedRsync(dir: string): { path: string; open(): void } {
  const gate = join(dir, 'gate.open');
  const path = join(dir, 'rsync-gated');
  writeFileSync(path, ['#!/bin/sh', `while [ ! -e '${gate}' ]; do sleep 0.2; done`, 'exec rsync "$@"', ''].join('\n'));
  chmodSync(path, 0o755);
  return { path, open: () => writeFileSync(gate, '') };
}

describe('notifications and metrics per host', () => {
  let server: Awaited<ReturnType<typeof startSshd>>;
  beforeAll(async () => {
    server = await startSshd();
  });

  it("a failing host's webhook and metrics come before the slow host ends", async () => {
    const source = makeTempDir('main-server-');
    mkdirSync(join(source, 'sub'));
    writeFileSync(join(source, 'sub', 'file.txt'), 'data\n');
    const gate = gatedRsync(makeTempDir('gate-'));
    const hook = await startListener();
    const down = { address: server.address, port: await freePort(server.address), user: server.user };
    const metricsDir = makeTempDir('metrics-');
    const metricsFile = join(metricsDir, 'pullback.prom');
    const cfg = await writeTestConfig({
      global: {
        concurrency: 2,
        rsync: { attempts: 1, backoff: '1s', rsync_path: gate.path },
        checks: { repository: 'never', archives: 'never' },
        metrics: { file: metricsFile },
        notify: [{ webhook: `${hook.url}/hook`, on: ['failure', 'success'], timeout: '5s', attempts: 2, backoff: '1s' }],
      },
      hosts: [
        { name: 'slow', server, sources: [{ name: 'data', kind: 'data', path: source }] },
        { name: 'down', server: down, sources: [{ name: 'data', kind: 'data', path: source }] },
      ],
    });

    const night = runCli(['--config', cfg.configPath, 'run'], { timeoutMs: 100_000 });
    try {
      // The down host fails at once; the slow host waits at the gate until the test opens it.
      const failure = await waitFor('the failure webhook of host down', () => hook.received.find((r) => (JSON.parse(r.body) as { kind: string }).kind === 'failure'), 60_000);
      expect(JSON.parse(failure.body)).toMatchObject({ kind: 'failure', host: 'down' });
      const metrics = await waitFor('the metrics file with the down host', () => existsSync(metricsFile) && /pullback_last_run_status\{host="down",status="failed"\} 1/.test(readFileSync(metricsFile, 'utf8')) && readFileSync(metricsFile, 'utf8'), 30_000);
      expect(metrics).toContain('host="down"');
      // The slow host has not ended yet: the gate is still closed.
      const before = queryCatalog<{ status: string }>(cfg.stateDir, "SELECT status FROM host_results WHERE host = 'slow'");
      expect(before.map((r) => r.status)).toEqual(['running']);
    } finally {
      gate.open();
    }
    const run = await night;
    expect(run.exitCode, run.stderr + run.stdout).toBe(1);

    const [slow] = queryCatalog<{ status: string; ended_at: string }>(cfg.stateDir, "SELECT status, ended_at FROM host_results WHERE host = 'slow'");
    expect(slow!.status).toBe('ok');
    const events = hook.received.map((r) => ({ ...(JSON.parse(r.body) as { kind: string; host: string }), receivedAt: r.at }));
    const failureAt = events.find((e) => e.kind === 'failure' && e.host === 'down')!.receivedAt;
    const successAt = events.find((e) => e.kind === 'success' && e.host === 'slow')!.receivedAt;
    expect(failureAt < slow!.ended_at, `failure webhook at ${failureAt}, slow host ended at ${slow!.ended_at}`).toBe(true);
    expect(successAt >= slow!.ended_at).toBe(true);
    // The metrics file ends with both hosts' runs.
    const final = readFileSync(metricsFile, 'utf8');
    expect(final).toMatch(/pullback_last_run_status\{host="slow",status="ok"\} 1/);
    expect(final).toMatch(/pullback_last_run_status\{host="down",status="failed"\} 1/);
  });
});
