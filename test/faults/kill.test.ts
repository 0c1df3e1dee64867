// `pullback run` killed in the middle of its work (real sshd, rsync, borg): with SIGTERM and with
// SIGKILL, during a pull and during borg create. Nothing it started keeps running (children are
// spawned through setpriv --pdeathsig, so even SIGKILL reaches rsync, its ssh and borg), the run
// ends up 'interrupted' in the catalog (after SIGKILL the next run finds it by PID, start time and
// boot id and says so), and the next run succeeds with a clean `borg check`. Then borg's own lock:
// a live holder is waited for, never broken; a dead holder's lock is broken and the run succeeds.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI_PATH, makeTempDir, queryCatalog, processes, programOf, registerPid, runBorg, runCli, startBorg, startSshd, survivorsAfter, waitFor, writeTestConfig, type TestConfig } from '../harness/index.js';
import { slowRsyncPath, type SlowRsync } from './slow-rsync.js';

const BIG = 16 * 1024 * 1024;

let cfg: TestConfig;
let data: string;
let slow: SlowRsync;
let markers: string[];

beforeAll(async () => {
  const server = await startSshd();
  const root = makeTempDir('kill-main-');
  data = join(root, 'data');
  mkdirSync(data);
  for (let i = 0; i < 20; i++) writeFileSync(join(data, `small-${i}.txt`), `file ${i}\n`);
  writeFileSync(join(data, 'big.bin'), randomBytes(BIG));
  slow = slowRsyncPath(root, 2_000_000);
  cfg = await writeTestConfig({
    global: { rsync: { rsync_path: slow.path, attempts: 1 }, checks: { repository: 'never', archives: 'never' } },
    hosts: [{ name: 'main', server, sources: [{ name: 'data', kind: 'data', path: data }] }],
  });
  // Whatever this test's pullback starts names the config dir (known_hosts, mirror, repository) or
  // the server's root (the rsync wrapper).
  markers = [cfg.dir, root];
  const first = await cli('run');
  expect(first.exitCode, first.stderr).toBe(0);
});

const cli = (...a: string[]) => runCli(['--config', cfg.configPath, ...a]);

function startRun(): ResultPromise {
  const child = execa(process.execPath, [CLI_PATH, '--config', cfg.configPath, 'run'], { reject: false, stdin: 'ignore', env: { NO_COLOR: '1' } });
  registerPid(child.pid!);
  return child;
}

const catalog = <T>(sql: string, ...params: unknown[]): T[] => queryCatalog<T>(cfg.stateDir, sql, ...params);

const lastRun = () => catalog<{ id: number; status: string; error: string | null }>('SELECT id, status, error FROM runs ORDER BY id DESC LIMIT 1')[0]!;
const stepsOf = (runId: number) => catalog<{ step: string; status: string }>('SELECT step, status FROM steps WHERE run_id = ? ORDER BY id', runId).map((s) => `${s.step}:${s.status}`);

/** Waits until the run's rsync is transferring the big file: rsync, its ssh child, and rsync's temporary file in the mirror. */
async function midPull(): Promise<void> {
  const mirror = cfg.mirrorPath('main', 'data');
  await waitFor('rsync and its ssh mid-transfer', () => {
    if (!existsSync(mirror) || !readdirSync(mirror).some((n) => n.startsWith('.big.bin.'))) return false;
    const ps = processes();
    // rsync forks its receiver with the same argv (PIDs wrap, so it may be listed first): any of them with an ssh child.
    const pulls = ps.filter((p) => programOf(p) === 'rsync' && !p.argv.includes('--list-only') && p.argv.some((a) => a.startsWith(mirror)));
    return pulls.some((r) => ps.some((p) => p.ppid === r.pid && programOf(p) === 'ssh'));
  });
}

/** Waits until borg create runs and holds the repository's lock. */
async function midCreate(): Promise<void> {
  const repo = cfg.repoPath('main');
  // The lock first: it is cheap to look at, /proc on a busy machine is not.
  await waitFor('borg create holding the repository lock', () => existsSync(join(repo, 'lock.exclusive')) && processes().some((p) => programOf(p) === 'borg' && p.argv.includes('create') && p.argv.some((a) => a.startsWith(repo))));
}

/** The `borg with-lock REPO sleep` process holding `repo`'s lock, and its sleep child. */
async function lockHolder(repo: string): Promise<{ borg: number; sleep: number }> {
  return waitFor('borg with-lock holding the lock', () => {
    const ps = processes();
    const borg = ps.find((p) => programOf(p) === 'borg' && p.argv.includes('with-lock') && p.argv.includes(repo));
    const sleep = borg && ps.find((p) => p.ppid === borg.pid && programOf(p) === 'sleep');
    return sleep && existsSync(join(repo, 'lock.exclusive')) ? { borg: borg.pid, sleep: sleep.pid } : undefined;
  });
}

async function borgCheckClean(): Promise<void> {
  const r = await runBorg(['check', cfg.repoPath('main')], cfg.passphraseFile);
  expect(r.exitCode, r.stderr).toBe(0);
}

describe('pullback run killed mid-work', () => {
  for (const [signal, phase] of [
    ['SIGTERM', 'pull'],
    ['SIGKILL', 'pull'],
    ['SIGTERM', 'create'],
    ['SIGKILL', 'create'],
  ] as const) {
    const during = phase === 'pull' ? 'a pull' : 'borg create';
    const then = signal === 'SIGTERM' ? 'pullback records it interrupted and exits 1' : 'the next run records it interrupted, says so and succeeds';
    it(`${signal} during ${during}: no rsync, ssh or borg survives; ${then}; borg check is clean`, async () => {
      // New content: the pull has something to send and borg create something to read.
      writeFileSync(join(data, 'big.bin'), randomBytes(BIG));
      slow.slow(phase === 'pull');
      const child = startRun();
      try {
        await (phase === 'pull' ? midPull() : midCreate());
      } finally {
        slow.slow(false);
      }
      const killed = lastRun();
      child.kill(signal);
      const r = await child;
      expect(await survivorsAfter(markers, 3000)).toEqual([]);
      const step = phase === 'pull' ? 'pull' : 'archive';

      if (signal === 'SIGTERM') {
        // pullback stops its children, records, and exits 1 (the job did not complete).
        expect(r.exitCode, r.stderr).toBe(1);
        expect(r.stderr).toMatch(/interrupted: stopping running commands/);
        expect(r.stdout).toMatch(/main\s+INTERRUPTED/);
        expect(lastRun()).toMatchObject({ id: killed.id, status: 'interrupted', error: 'interrupted by a signal' });
        // The log agrees with the catalog.
        expect(r.stderr).toMatch(/INFO: run finished \{"runId":\d+,"status":"interrupted"\}/);
        expect(r.stderr).not.toMatch(/run finished \{[^}]*"status":"failed"/);
        expect(stepsOf(killed.id)).toContain(`${step}:interrupted`);
        // Told as interrupted, not as a host or a repository that failed (rsync's 255 from its killed ssh, borg's SIGTERM).
        const said = r.stdout + r.stderr;
        expect(said).not.toMatch(/ssh connection failed|gave up after|found problems/);
        const errors = catalog<{ step: string; error: string }>("SELECT step, error FROM steps WHERE run_id = ? AND status = 'interrupted'", killed.id);
        if (phase === 'pull') expect(errors.find((e) => e.step === 'pull')?.error).toMatch(/^pull of \S+: interrupted: pullback was stopped by a signal$/);
        for (const e of errors.filter((x) => x.step === 'check_repository')) expect(e.error).toMatch(/interrupted: pullback was stopped by a signal$/);
      } else {
        expect(r.signal).toBe('SIGKILL');
        expect(lastRun()).toMatchObject({ id: killed.id, status: 'running' });
        const next = await cli('run');
        expect(next.exitCode, next.stderr).toBe(0);
        expect(next.stderr).toMatch(
          new RegExp(`WARN.*run ${killed.id} \\(pullback run, started .*\\) was left running by a process that is gone \\(PID ${child.pid}, killed or crashed\\): recorded as interrupted`),
        );
        expect(catalog('SELECT status, error FROM runs WHERE id = ?', killed.id)[0]).toMatchObject({ status: 'interrupted', error: expect.stringMatching(/ended without recording an end/) });
        expect(stepsOf(killed.id)).toContain(`${step}:interrupted`);
        expect(stepsOf(killed.id).filter((s) => s.endsWith(':running'))).toEqual([]);
      }
      await borgCheckClean();
    });
  }
});

describe("borg's lock on the repository", () => {
  it('is waited for while its holder lives, and broken once the holder is dead', async () => {
    const repo = cfg.repoPath('main');
    writeFileSync(join(data, 'note.txt'), randomBytes(1024));
    // A live holder: the run's borg waits (borg --lock-wait) instead of breaking the lock.
    const holder = startBorg(['with-lock', repo, 'sleep', '60']);
    const live = await lockHolder(repo);
    const run = startRun();
    await waitFor("the run's borg waiting for the lock", () => processes().some((p) => programOf(p) === 'borg' && !p.argv.includes('with-lock') && p.argv.some((a) => a.startsWith(repo))));
    await new Promise((r) => setTimeout(r, 1500));
    expect(readdirSync(join(repo, 'lock.exclusive'))).toEqual([expect.stringMatching(new RegExp(`\\.${live.borg}-`))]);
    expect(run.exitCode).toBeNull();
    // The holder dies without releasing (SIGKILL): its lock is stale, and the waiting borg breaks it.
    process.kill(live.borg, 'SIGKILL');
    process.kill(live.sleep, 'SIGKILL');
    await holder;
    const r = await run;
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`WARN.*borg broke a stale repository lock left by a dead process.*Killed stale lock .*\\.${live.borg}-`));
    expect(existsSync(join(repo, 'lock.exclusive'))).toBe(false);
    await borgCheckClean();
  });
});
