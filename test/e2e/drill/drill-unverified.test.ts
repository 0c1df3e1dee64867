// What a drill could not verify is said, never passed as green (issue 20): a sampled file whose
// origin cannot be read is 'unverified', not a match; a drill that verified nothing (no file could
// be compared, or the archive has nothing to sample) is UNVERIFIED and exits 1; a restored dump
// with nothing to compare is unverified. `pullback status` and the report show the drill amber.
// The exit 1 is recorded as what it is: `pullback drill`'s step and host result fail with the
// drill's reason (a failed run that named no failure stopped the soak: seed 202, night 187), while
// the nightly job's due drill that verified nothing stays a warning of the night.
// The unreadable origin is real: the host's pull key is restricted to its source by pullback-gate,
// and a folder of the source moved to another disk and linked back is outside what the key may read.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeMeta } from '../../../src/nightly/dumps/meta.js';
import { clientKey, createMariaDatabase, generateKey, makeTempDir, queryCatalog, REPO_ROOT, runCli, startSshd, writeTestConfig, type TestConfig } from '../../harness/index.js';
import { checkRow, drillJson, drillRows } from './helpers.js';

const GATE = join(REPO_ROOT, 'share', 'remote', 'pullback-gate');

let cfg: TestConfig;
let root: string;
let gated: string;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const cli = (...args: string[]) => runCli(['--config', cfg.configPath, ...args]);

/** The newest run of `kind`, with its host result and its failed or warning steps. */
function lastRun(kind: string): { run: { id: number; status: string; error: string | null }; host: { status: string; error: string | null }; steps: Array<{ step: string; status: string; error: string | null }> } {
  const run = queryCatalog<{ id: number; status: string; error: string | null }>(cfg.stateDir, 'SELECT id, status, error FROM runs WHERE kind = ? ORDER BY id DESC LIMIT 1', kind)[0]!;
  const host = queryCatalog<{ status: string; error: string | null }>(cfg.stateDir, 'SELECT status, error FROM host_results WHERE run_id = ?', run.id)[0]!;
  const steps = queryCatalog<{ step: string; status: string; error: string | null }>(cfg.stateDir, "SELECT step, status, error FROM steps WHERE run_id = ? AND status <> 'ok' ORDER BY id", run.id);
  return { run, host, steps };
}

/** Moves `dir` of the gated source to another place (keeping its files' sizes and mtimes) and links it back. */
function moveAway(dir: string): void {
  const elsewhere = makeTempDir('drill-other-disk-');
  renameSync(join(gated, dir), join(elsewhere, dir));
  symlinkSync(join(elsewhere, dir), join(gated, dir));
}

beforeAll(async () => {
  const server = await startSshd();
  root = makeTempDir('drill-unverified-');
  gated = join(root, 'gated');
  mkdirSync(join(gated, 'kept'), { recursive: true });
  mkdirSync(join(gated, 'moved'), { recursive: true });
  writeFileSync(join(gated, 'kept', 'top.txt'), 'kept\n');
  for (const n of ['a', 'b']) writeFileSync(join(gated, 'moved', `${n}.txt`), `moved ${n}\n`);
  // No regular file at all: an empty folder and a symbolic link.
  const empty = join(root, 'empty');
  mkdirSync(join(empty, 'nothing here'), { recursive: true });
  symlinkSync('/etc/hostname', join(empty, 'a link'));
  // A server's own cron dump of a database with no table (with its metadata file, as pullback reads it).
  const cron = join(root, 'cron dumps');
  mkdirSync(cron);
  const emptyDb = await createMariaDatabase('pbempty');
  const dump = join(cron, 'empty.sql');
  writeFileSync(dump, execFileSync('mariadb-dump', ['-h', '127.0.0.1', '-P', '3306', '-u', 'root', '--single-transaction', '--', emptyDb]));
  const bytes = readFileSync(dump);
  const meta = { file: 'empty.sql', engine: 'mariadb', database: emptyDb, format: 'sql' as const, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), endedAt: new Date().toISOString() };
  writeFileSync(`${dump}.meta.json`, encodeMeta(meta));

  const pullKey = join(makeTempDir('drill-keys-'), 'gated-pull');
  await generateKey(pullKey, 'pullback-pull');
  cfg = await writeTestConfig({
    // No check in the nightly run (a drill there costs as much as one here); drills are switched on after it.
    global: { checks: { repository: 'never', archives: 'never', data: 'never', drill: 'never' } },
    hosts: [
      { name: 'gated', server, sources: [{ name: 'data', kind: 'data', path: gated }], override: { keys: { pull: pullKey } } },
      { name: 'empty', server, sources: [{ name: 'data', kind: 'data', path: empty }] },
      { name: 'emptydb', server, sources: [{ name: 'cron', kind: 'database', path: cron }] },
    ],
  });
  const authorize = await cli('hosts', 'authorize', 'gated', '--gate', GATE);
  expect(authorize.exitCode, authorize.stderr).toBe(0);
  const line = authorize.stdout.split('\n').find((l) => l.includes('pullback-pull'));
  expect(line, authorize.stdout).toMatch(/^restrict,command="exec /);
  // The harness's own key (the other hosts) and the gated host's restricted pull key.
  writeFileSync(join(server.dir, 'authorized_keys'), `${(await clientKey()).publicKey}\n${line}\n`, { mode: 0o600 });

  const run = await cli('run');
  expect(run.exitCode, run.stderr + run.stdout).toBe(0);
  // Weekly drills from now on: `pullback status` shows the drill's light.
  const global = readFileSync(cfg.configPath, 'utf8');
  expect(global).toMatch(/^\s+drill: never$/m);
  writeFileSync(cfg.configPath, global.replace(/^(\s+)drill: never$/m, '$1drill: weekly'));
});

describe('pullback drill: what could not be verified', () => {
  it('counts origin files the pull key may not read as unverified, says how many were verified, and warns', async () => {
    moveAway('moved');
    const { exitCode, report, stderr } = await drillJson(cfg.configPath, ['--host', 'gated', '--percent', '100', '--archive', 'latest']);
    expect(exitCode, stderr + JSON.stringify(report, null, 2)).toBe(0);
    const d = report.drills[0]!;
    expect(d.status).toBe('warning');
    expect(d.counts).toEqual({ sampled: 3, matches: 1, mismatches: 0, changed: 0, unverified: 2 });
    expect(d.warnings).toContain(
      "2 of 3 sampled file(s) not verified against the origin (1 verified): data/moved/a.txt, data/moved/b.txt: cannot stat it on the origin: exited 126: pullback-gate: refused: the file is outside the allowed paths",
    );
    const row = drillRows(cfg.stateDir).at(-1)!;
    expect(row).toMatchObject({ host: 'gated', status: 'warning', files_sampled: 3, matches: 1 });
    expect(String(row.error)).toContain('2 of 3 sampled file(s) not verified');
  });

  it('is UNVERIFIED (exit 1, not green in status or the report) when no sampled file could be compared with the origin', async () => {
    moveAway('kept');
    const text = await cli('drill', '--host', 'gated', '--percent', '100', '--archive', 'latest');
    expect(text.exitCode, text.stdout + text.stderr).toBe(1);
    expect(text.stdout).toMatch(/MISMATCH\s+CHANGED\s+UNVERIFIED/);
    expect(text.stdout).toMatch(/^gated\s+UNVERIFIED\s+\S+\s+3\s+3\s+\S+\s+\S+\s+0\s+0\s+0\s+3\s/m);
    expect(text.stdout).toContain('gated: UNVERIFIED: nothing was verified: none of the 3 sampled file(s) could be compared with the origin');
    expect(text.stdout).toContain('gated: warning: 3 of 3 sampled file(s) not verified against the origin (0 verified): data/kept/top.txt, data/moved/a.txt, data/moved/b.txt: cannot stat it');
    expect(drillRows(cfg.stateDir).at(-1)).toMatchObject({ host: 'gated', status: 'unverified', matches: 0 });
    expect(checkRow(cfg.stateDir, cfg.repoPath('gated'), 'drill')?.status).toBe('unverified');
    // The exit 1 is a failed run, and the catalog names why: the drill step and the host's result.
    const why = 'UNVERIFIED: nothing was verified: none of the 3 sampled file(s) could be compared with the origin';
    const { run, host, steps } = lastRun('drill');
    expect(run.status).toBe('failed');
    expect(host).toMatchObject({ status: 'failed', error: expect.stringContaining(why) });
    expect(steps).toEqual([{ step: 'drill', status: 'failed', error: expect.stringContaining(why) }]);

    const status = JSON.parse((await cli('status', '--json', '--host', 'gated')).stdout) as Json;
    expect(status.hosts[0].status).toBe('red');
    expect(status.hosts[0].last_job).toMatchObject({ kind: 'drill', status: 'failed', error: expect.stringContaining(why) });
    expect(status.hosts[0].checks.find((c: Json) => c.kind === 'drill')).toMatchObject({ result: 'unverified', status: 'amber' });
    const report = await cli('report', '--host', 'gated');
    expect(report.stdout).toMatch(/drill: unverified at .*, 0\/3 sampled files matched: none of the 3 sampled file\(s\) could be compared with the origin/);
    const json = JSON.parse((await cli('report', '--host', 'gated', '--format', 'json')).stdout) as Json;
    expect(json.hosts[0].runs.find((x: Json) => x.run_id === run.id)).toMatchObject({ status: 'failed' });
    expect(json.hosts[0].failures).toContainEqual({ run_id: run.id, step: 'drill', source: null, message: expect.stringContaining(why), at: expect.stringMatching(/Z$/) });
  });

  it('is UNVERIFIED (exit 1) for an archive with no regular file to sample', async () => {
    const { exitCode, report } = await drillJson(cfg.configPath, ['--host', 'empty']);
    expect(exitCode, JSON.stringify(report, null, 2)).toBe(1);
    const d = report.drills[0]!;
    expect(d.status).toBe('unverified');
    expect(d.counts).toEqual({ sampled: 0, matches: 0, mismatches: 0, changed: 0, unverified: 0 });
    expect(d.unverified_reason).toMatch(/^sampled nothing: the archive .*holds no regular file and no dump to restore$/);
    const drill = lastRun('drill');
    expect(drill.run.status).toBe('failed');
    expect(drill.steps).toEqual([{ step: 'drill', status: 'failed', error: expect.stringMatching(/^UNVERIFIED: nothing was verified: sampled nothing: /) }]);
    const status = JSON.parse((await cli('status', '--json', '--host', 'empty')).stdout) as Json;
    expect(status.hosts[0].checks.find((c: Json) => c.kind === 'drill')).toMatchObject({ result: 'unverified', status: 'amber' });

    // The drill stays due; the night's drill that verified nothing is a warning of the night, which made its backup.
    const night = await cli('run', '--host', 'empty');
    expect(night.exitCode, night.stdout + night.stderr).toBe(0);
    const nightly = lastRun('run');
    expect(nightly.run.status).toBe('warning');
    expect(nightly.steps).toContainEqual({ step: 'drill', status: 'warning', error: expect.stringMatching(/^UNVERIFIED: nothing was verified: sampled nothing: /) });
  });

  it('says a restored dump of a database with no table verified nothing (a warning, not OK)', async () => {
    const text = await cli('drill', '--host', 'emptydb');
    expect(text.exitCode, text.stdout + text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^emptydb\s+WARNING\s.*0\/1 ok, 1 unverified/m);
    expect(text.stdout).toContain('emptydb: warning: database dump cron/empty.sql not verified: the dump holds no table and no SQL restore check applies: restored, nothing compared');
    const row = drillRows(cfg.stateDir).at(-1)!;
    expect(row).toMatchObject({ host: 'emptydb', status: 'warning' });
    expect(JSON.parse(String(row.databases))).toMatchObject([{ status: 'unverified', tables: [], checks: [] }]);
  });
});
