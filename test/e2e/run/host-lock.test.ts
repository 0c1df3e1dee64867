// A nightly run and a restore onto the same host never overlap: both hold the host's lock for
// their whole duration. A restore started while the run is on the host is refused (naming the run);
// a run started while a restore holds the host waits and backs up after it. SIGHUP (a dropped SSH
// session) stops a restore like SIGTERM: start_writes runs and the restore is recorded interrupted.
// Steps are held open deterministically with fifos: the restore's stop_writes hook is `cat FIFO`,
// and the server's rsync (first on the sshd session's PATH) holds the first transfer that finds a
// gate fifo: it takes the gate (renaming it to gate.held, so later transfers pass) and waits on it.
import Database from 'better-sqlite3';
import { execa, type ResultPromise } from 'execa';
import { chmodSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_PATH, makeTempDir, REPO_ROOT, runCli, startSshd, writeTestConfig, type SshdServer, type TestConfig } from '../../harness/index.js';

let server: SshdServer;
let cfg: TestConfig;
let dir: string;
let data: string;
const fifo = (name: string) => join(dir, name);
const cli = (...args: string[]) => runCli(['--config', cfg.configPath, ...args], { timeoutMs: 60_000 });

beforeAll(async () => {
  dir = makeTempDir('host-lock-');
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  // Test fixture on the "main server": an rsync that waits on the gate fifo when it is the one to take it.
  const [gate, held] = [fifo('gate'), fifo('gate.held')];
  writeFileSync(join(bin, 'rsync'), `#!/bin/sh\nif mv '${gate}' '${held}' 2>/dev/null; then cat '${held}' >/dev/null; rm -f '${held}'; fi\nexec /usr/bin/rsync "$@"\n`);
  chmodSync(join(bin, 'rsync'), 0o755);
  server = await startSshd({ extraConfig: [`SetEnv PATH=${bin}:/usr/local/bin:/usr/bin:/bin`] });
  data = join(dir, 'data');
  mkdirSync(data);
  writeFileSync(join(data, 'a.txt'), 'version 1\n');
  cfg = await writeTestConfig({
    hosts: [
      {
        name: 'main',
        server,
        sources: [{ name: 'data', kind: 'data', path: data }],
        override: { restore: { stop_writes: [['cat', fifo('hold')]], start_writes: [['touch', join(dir, 'started')]] } },
      },
    ],
    global: { checks: { repository: 'never', archives: 'never' } },
  });
  const r = await cli('run');
  expect(r.exitCode, r.stdout + r.stderr).toBe(0);
});

afterAll(async () => {
  // Let go of any remote `cat` still waiting on a fifo (an interrupted hook leaves one behind).
  for (const f of ['gate.held', 'hold']) if (isFifo(f)) await release(f);
  await server?.stop();
});

async function mkfifo(name: string): Promise<void> {
  rmSync(fifo(name), { force: true });
  await execa('mkfifo', [fifo(name)]);
}

const isFifo = (name: string) => existsSync(fifo(name)) && statSync(fifo(name)).isFIFO();

/** Opens the fifo for writing and closes it: the `cat` waiting on it reads end-of-file and exits. */
async function release(name: string): Promise<void> {
  await until(`${name} is a fifo`, () => isFifo(name));
  await execa('tee', [fifo(name)], { input: '', timeout: 10_000, reject: false });
}

function query<T>(sql: string, ...params: unknown[]): T[] {
  const db = new Database(join(cfg.stateDir, 'catalog.db'), { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

async function until(what: string, ok: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function background(...args: string[]): { child: ResultPromise; stderr: () => string } {
  const child = execa(process.execPath, [CLI_PATH, '--config', cfg.configPath, ...args], { reject: false, stdin: 'ignore', timeout: 90_000 });
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  return { child, stderr: () => err };
}

const running = (step: string) => () => query('SELECT 1 FROM steps WHERE step = ? AND status = ?', step, 'running').length > 0;
const restoreStepRunning = (kind: string) => () => query('SELECT 1 FROM restore_steps WHERE kind = ? AND status = ?', kind, 'running').length > 0;

describe('the per-host lock of runs and restores', () => {
  it('refuses a restore while pullback run is on the host, naming the run; a dry run warns', async () => {
    await mkfifo('gate');
    const run = background('run');
    try {
      await until('the run is pulling main', running('pull'));
      const runId = query<{ id: number }>("SELECT id FROM runs WHERE kind = 'run' ORDER BY id DESC LIMIT 1")[0]!.id;
      const r = await cli('restore', '--host', 'main', '--yes');
      expect(r.exitCode, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toContain(`nightly run ${runId} of main is running (PID ${run.child.pid}`);
      expect(r.stderr).toContain('refusing to start restore onto main');
      expect(query('SELECT 1 FROM restores')).toEqual([]);
      expect(existsSync(join(dir, 'started'))).toBe(false);
      const dry = await cli('restore', '--host', 'main', '--dry-run');
      expect(dry.exitCode, dry.stdout + dry.stderr).toBe(0);
      expect(dry.stdout).toContain(`WARN  no other job on main: nightly run ${runId} of main (PID ${run.child.pid}) holds the host: a restore now would be refused`);
    } finally {
      await release('gate.held');
    }
    const done = await run.child;
    expect(done.exitCode, String(done.stdout) + run.stderr()).toBe(0);
  });

  it('makes a run started during a restore wait for it, then back up the restored state', async () => {
    writeFileSync(join(data, 'a.txt'), 'damaged\n');
    await mkfifo('hold');
    const restore = background('restore', '--host', 'main', '--yes');
    await until('the restore is in stop_writes', restoreStepRunning('stop_writes'));
    const run = background('run');
    await until('the run says it waits for the restore', () => run.stderr().includes(`waiting for restore onto main (PID ${restore.child.pid}) to finish with main`));
    const runId = query<{ id: number }>("SELECT id FROM runs WHERE kind = 'run' ORDER BY id DESC LIMIT 1")[0]!.id;
    // Only the free-space preflight, which measures every filesystem before any host starts, has run.
    expect(query('SELECT step FROM steps WHERE run_id = ?', runId)).toEqual([{ step: 'disk_space' }]);
    await release('hold');
    const restored = await restore.child;
    expect(restored.exitCode, String(restored.stdout) + restore.stderr()).toBe(0);
    const done = await run.child;
    expect(done.exitCode, String(done.stdout) + run.stderr()).toBe(0);
    const [rest] = query<{ ended_at: string }>('SELECT ended_at FROM restores ORDER BY id DESC LIMIT 1');
    const [pull] = query<{ started_at: string }>("SELECT started_at FROM steps WHERE run_id = ? AND step = 'pull'", runId);
    expect(pull!.started_at > rest!.ended_at, `${pull!.started_at} after ${rest!.ended_at}`).toBe(true);
    rmSync(fifo('hold'));
  });

  it('refuses a rollback while pullback run is on the host, like a restore', async () => {
    const [restore] = query<{ id: number }>("SELECT id FROM restores WHERE status = 'ok' AND snapshot_archive IS NOT NULL ORDER BY id DESC LIMIT 1");
    await mkfifo('gate');
    const run = background('run');
    try {
      await until('the run is pulling main', running('pull'));
      const r = await cli('restore', '--rollback', String(restore!.id), '--yes');
      expect(r.exitCode, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`nightly run \\d+ of main is running \\(PID ${run.child.pid}, .*refusing to start rollback onto main`));
      expect(query('SELECT 1 FROM restores WHERE rollback_of = ?', restore!.id)).toEqual([]);
    } finally {
      await release('gate.held');
    }
    const done = await run.child;
    expect(done.exitCode, String(done.stdout) + run.stderr()).toBe(0);
  });

  it('stops a restore like SIGTERM when its terminal hangs up (a dropped SSH session)', async () => {
    rmSync(join(dir, 'started'), { force: true });
    await mkfifo('hold');
    const pty = execa('python3', [join(REPO_ROOT, 'test/harness/pty-hangup.py'), process.execPath, CLI_PATH, '--config', cfg.configPath, 'restore', '--host', 'main', '--yes'], { reject: false, timeout: 90_000 });
    await until('the restore is in stop_writes', restoreStepRunning('stop_writes'));
    pty.stdin!.end('hang up\n');
    const r = await pty;
    expect(existsSync(join(dir, 'started')), `${r.stdout}${r.stderr}`).toBe(true);
    const [last] = query<{ id: number; status: string }>('SELECT id, status FROM restores ORDER BY id DESC LIMIT 1');
    expect(last!.status).toBe('interrupted');
    expect(query('SELECT status FROM restore_steps WHERE restore_id = ? AND kind = ?', last!.id, 'start_writes')).toEqual([{ status: 'ok' }]);
    // Nobody is left to read the exit status. Node 20 itself aborts at exit when it cannot reset a
    // hung-up terminal (node::ResetStdio): that is after the work, which is what this test checks.
    expect(['1', '-6']).toContain(String(r.stdout).trim().split('\n').at(-1));
    await release('hold');
  });

  it('handles SIGHUP during a restore like SIGTERM, even with the terminal gone', async () => {
    rmSync(join(dir, 'started'), { force: true });
    await mkfifo('hold');
    const child = execa(process.execPath, [CLI_PATH, '--config', cfg.configPath, 'restore', '--host', 'main', '--yes'], { reject: false, stdin: 'ignore', timeout: 90_000 });
    await until('the restore is in stop_writes', restoreStepRunning('stop_writes'));
    child.kill('SIGHUP');
    // The SSH session is gone: nothing reads what the restore prints any more.
    child.stdout!.destroy();
    child.stderr!.destroy();
    const r = await child;
    expect(r.signal, 'the restore must not die of the hangup').toBeUndefined();
    expect(r.exitCode).toBe(1);
    expect(existsSync(join(dir, 'started'))).toBe(true);
    const [last] = query<{ id: number; status: string }>('SELECT id, status FROM restores ORDER BY id DESC LIMIT 1');
    expect(last!.status).toBe('interrupted');
    const steps = query<{ kind: string; status: string }>('SELECT kind, status FROM restore_steps WHERE restore_id = ? ORDER BY ord', last!.id);
    expect(steps.map((s) => [s.kind, s.status])).toEqual([
      ['readiness', 'ok'],
      ['stop_writes', 'interrupted'],
      ['snapshot', 'pending'],
      ['data', 'pending'],
      ['verify', 'skipped'],
      ['start_writes', 'ok'],
      ['checks', 'skipped'],
    ]);
    // The lock went with the restore: the next run backs the host up at once.
    const next = await cli('run');
    expect(next.exitCode, next.stdout + next.stderr).toBe(0);
    expect(next.stderr).not.toContain('waiting for');
  });
});
