// The run lock: a live holder makes a second run refuse (naming its PID); a dead holder's lock is taken over.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { freePort, runCli, writeTestConfig } from '../../harness/index.js';

describe('run lock', () => {
  it('refuses while a live process holds it, takes over a dead one with a warning', async () => {
    // Nothing listens on this port: the host fails fast, which is all a lock test needs.
    const offline = { address: '127.0.0.1', port: await freePort('127.0.0.1'), user: 'nobody' };
    const cfg = await writeTestConfig({
      global: { rsync: { attempts: 1 } },
      hosts: [{ name: 'main', server: offline, sources: [{ name: 'data', kind: 'data', path: '/srv/data' }] }],
    });
    const lockFile = join(cfg.stateDir, 'locks', 'run.lock');
    mkdirSync(join(cfg.stateDir, 'locks'), { recursive: true });

    // This test's own process is alive for sure (the CLI runs as another PID).
    writeFileSync(lockFile, `${process.pid}\n`);
    const busy = await runCli(['--config', cfg.configPath, 'run']);
    expect(busy.exitCode).toBe(1);
    expect(busy.stderr).toContain(`another pullback run is running (PID ${process.pid}`);
    expect(busy.stdout).not.toContain('HOST');
    expect(readFileSync(lockFile, 'utf8').trim()).toBe(String(process.pid));

    const dead = execa('true');
    const deadPid = dead.pid!;
    await dead;
    writeFileSync(lockFile, `${deadPid}\n`);
    const takeover = await runCli(['--config', cfg.configPath, 'run']);
    expect(takeover.exitCode, takeover.stderr).toBe(1); // the host is offline, but the run did run
    expect(takeover.stdout).toMatch(/^main\s+FAILED/m);
    const warning = takeover.stderr.split('\n').find((l) => l.includes('stale run lock'));
    expect(warning, takeover.stderr).toBeDefined();
    expect(JSON.parse(warning!)).toMatchObject({ level: 40, stalePid: deadPid });
    expect(existsSync(lockFile), 'the lock is released at the end').toBe(false);

    // With the lock free, a run takes it and releases it again.
    const free = await runCli(['--config', cfg.configPath, 'run']);
    expect(free.stderr).not.toContain('stale run lock');
    expect(existsSync(lockFile)).toBe(false);
  });
});
