// One login per night for the pulls: the pull of every source attaches to one OpenSSH master
// (tools/ssh/mux.ts) whose login is also the preflight, and that dies with the run; a master that is gone mid-night costs a login
// per rsync again, never a failure.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { diffTrees, makeTempDir, runCli, startSshd, writeTestConfig } from '../../harness/index.js';

const logins = (log: string) => (log.match(/Accepted publickey for /g) ?? []).length;

describe('the shared SSH connection of a night', () => {
  it('pulls three sources over one login (which is also the preflight), leaves no ssh and no socket behind', async () => {
    const server = await startSshd({ logLevel: 'INFO' });
    const root = makeTempDir('main-server-');
    const names = ['one', 'two', 'three'];
    for (const n of names) {
      mkdirSync(join(root, n, 'sub dir'), { recursive: true });
      for (let i = 0; i < 5; i++) writeFileSync(join(root, n, 'sub dir', `f${i}.txt`), `${n} ${i}\n`);
    }
    // A drill every night: its comparison with the origin goes over the same connection.
    const cfg = await writeTestConfig({
      hosts: [{ name: 'main', server, sources: names.map((n) => ({ name: n, kind: 'data', path: join(root, n) })) }],
      global: { checks: { drill: 'always' }, drill: { sample: 4 } },
    });
    const tmp = makeTempDir('mux-tmp-');
    const before = logins(server.log);
    const r = await runCli(['--config', cfg.configPath, '--log-level', 'debug', '--log-format', 'json', 'run'], { env: { TMPDIR: tmp } });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    // The master's login, which is also the preflight: not 1 + 2 per source, nor one more for the drill.
    expect(logins(server.log) - before).toBe(1);
    expect(r.stdout).toMatch(/main\s+OK\s.*drill/);
    expect(r.stderr).toMatch(/"cmd":"ssh [^\n]*ControlMaster=no[^\n]*exec sha256sum/);
    // One rsync per source: an empty mirror has nothing to lose, so the pull is the first look (no probe).
    const rsyncs = (stderr: string) => stderr.split('\n').filter((l) => /"cmd":"rsync /.test(l));
    expect(rsyncs(r.stderr)).toHaveLength(3);
    expect(rsyncs(r.stderr).filter((l) => l.includes('--list-only'))).toEqual([]);
    for (const n of names) expect(await diffTrees(join(root, n), join(cfg.stateDir, 'mirror', 'main', n))).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
    expect(spawnSync('pgrep', ['-f', tmp]).status, 'an ssh master outlived the run').toBe(1);

    // A second night after a change: again one login for every pull.
    writeFileSync(join(root, 'two', 'new.txt'), 'new\n');
    const mid = logins(server.log);
    const r2 = await runCli(['--config', cfg.configPath, '--log-level', 'debug', '--log-format', 'json', 'run'], { env: { TMPDIR: tmp } });
    expect(r2.exitCode, r2.stdout + r2.stderr).toBe(0);
    expect(logins(server.log) - mid).toBe(1);
    // Still one rsync per source: the mass-deletion guard's first pass deletes nothing, so it is the first look.
    expect(rsyncs(r2.stderr).map((l) => l.includes('--max-delete=0'))).toEqual([true, true, true]);
    expect(await diffTrees(join(root, 'two'), join(cfg.stateDir, 'mirror', 'main', 'two'))).toEqual([]);
    // Over the shared connection the three sources were pulled at once (source_concurrency 3).
    const [a, b, c] = pullTimes(cfg.stateDir, 2);
    expect(Math.max(a!.start, b!.start, c!.start)).toBeLessThan(Math.min(a!.end, b!.end, c!.end));
  });

  it('pulls the sources one by one with source_concurrency 1', async () => {
    const server = await startSshd();
    const root = makeTempDir('main-server-');
    const names = ['one', 'two', 'three'];
    for (const n of names) {
      mkdirSync(join(root, n), { recursive: true });
      writeFileSync(join(root, n, 'f.txt'), `${n}\n`);
    }
    const cfg = await writeTestConfig({ hosts: [{ name: 'main', server, sources: names.map((n) => ({ name: n, kind: 'data', path: join(root, n) })) }], global: { source_concurrency: 1 } });
    const r = await runCli(['--config', cfg.configPath, 'run']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const t = pullTimes(cfg.stateDir, 1);
    expect(t.map((x) => x.source)).toEqual(names);
    for (let i = 1; i < t.length; i++) expect(t[i]!.start).toBeGreaterThanOrEqual(t[i - 1]!.end);
  });
});

/** The pull steps of a run, in the order they started, with their times in ms. */
function pullTimes(stateDir: string, runId: number): Array<{ source: string; start: number; end: number }> {
  const db = new Database(join(stateDir, 'catalog.db'), { readonly: true });
  try {
    const rows = db.prepare("SELECT source, started_at, ended_at FROM steps WHERE run_id = ? AND step = 'pull' ORDER BY started_at, id").all(runId) as Array<{ source: string; started_at: string; ended_at: string }>;
    return rows.map((r) => ({ source: r.source, start: Date.parse(r.started_at), end: Date.parse(r.ended_at) }));
  } finally {
    db.close();
  }
}
