// The run lock is a kernel lock: a live holder makes a second run refuse (naming it); a holder
// killed with SIGKILL leaves nothing that blocks, the next run takes the lock at once (with a
// warning naming the dead PID); a PID now used by an unrelated live process blocks nothing.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, holdLockInChild, runCli, writeTestConfig } from '../../harness/index.js';

async function offlineConfig() {
  // Nothing listens on this port: the host fails fast, which is all a lock test needs.
  const offline = { address: '127.0.0.1', port: await freePort('127.0.0.1'), user: 'nobody' };
  const cfg = await writeTestConfig({
    global: { rsync: { attempts: 1 } },
    hosts: [{ name: 'main', server: offline, sources: [{ name: 'data', kind: 'data', path: '/srv/data' }] }],
  });
  mkdirSync(join(cfg.stateDir, 'locks'), { recursive: true });
  return { cfg, lockFile: join(cfg.stateDir, 'locks', 'run.lock') };
}

describe('run lock', () => {
  it('refuses while a live process holds it; after that holder is killed with SIGKILL the next run takes it at once', async () => {
    const { cfg, lockFile } = await offlineConfig();
    const holder = await holdLockInChild(lockFile, 'pullback run');
    const busy = await runCli(['--config', cfg.configPath, 'run']);
    expect(busy.exitCode).toBe(1);
    expect(busy.stderr).toContain(`pullback run is running (PID ${holder.pid}, lock ${lockFile})`);
    expect(busy.stdout).not.toContain('HOST');

    await holder.kill('SIGKILL');
    const started = Date.now();
    const takeover = await runCli(['--config', cfg.configPath, '--log-format', 'json', 'run']);
    expect(takeover.exitCode, takeover.stderr).toBe(1); // the host is offline, but the run did run
    expect(takeover.stdout).toMatch(/^main\s+FAILED/m);
    expect(Date.now() - started).toBeLessThan(30_000);
    const warning = takeover.stderr.split('\n').find((l) => l.includes('stale run lock'));
    expect(warning, takeover.stderr).toBeDefined();
    expect(JSON.parse(warning!)).toMatchObject({ level: 40, stalePid: holder.pid });
    expect(existsSync(lockFile), 'the description goes with the lock').toBe(false);

    // With the lock free, a run takes it and releases it again, with no warning.
    const free = await runCli(['--config', cfg.configPath, 'run']);
    expect(free.stdout).toMatch(/^main\s+FAILED/m);
    expect(free.stderr).not.toContain('stale run lock');
  });

  it('is not blocked by a recorded PID that now belongs to a live unrelated process', async () => {
    const { cfg, lockFile } = await offlineConfig();
    const unrelated = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      // What a holder that died leaves: its description, naming a PID since reused.
      writeFileSync(lockFile, `${unrelated.pid}\npullback run\n`);
      const r = await runCli(['--config', cfg.configPath, 'run']);
      expect(r.stderr).not.toContain('is running');
      expect(r.stdout, r.stderr).toMatch(/^main\s+FAILED/m); // the run ran (the host is offline)
      expect(existsSync(lockFile)).toBe(false);
    } finally {
      unrelated.kill('SIGKILL');
    }
  });
});
