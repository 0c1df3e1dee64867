// A drill of the archive the mirror still equals chooses its sample from the mirror's files (a walk
// of the file system, not borg's listing of every item), and picks exactly what the archive's
// listing would have picked. The messy cases: an operator edited the mirror behind pullback's back
// (the sampled files no longer match borg's record: the sample is chosen again from the archive,
// and the drill still passes), and a night whose pull ran but made no archive (the mirror is not
// taken for the archive any more).
import Database from 'better-sqlite3';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, nextSecond, runCli, startSshd, writeTestConfig, type TestConfig } from '../../harness/index.js';
import { drillJson } from './helpers.js';

let cfg: TestConfig;
let origin: string;

/** The `from` of every 'drill sample chosen' log line so far, oldest first. */
function sampleSources(): string[] {
  const dir = join(cfg.stateDir, 'logs');
  const out: string[] = [];
  for (const f of readdirSync(dir).sort()) {
    for (const l of readFileSync(join(dir, f), 'utf8').split('\n')) {
      if (!l.includes('drill sample chosen')) continue;
      out.push((JSON.parse(l) as { from: string }).from);
    }
  }
  return out;
}

function mirrorArchiveRows(): Array<{ host: string; archive: string; sources: string }> {
  const db = new Database(join(cfg.stateDir, 'catalog.db'), { readonly: true });
  try {
    return db.prepare('SELECT host, archive, sources FROM mirror_archives').all() as Array<{ host: string; archive: string; sources: string }>;
  } finally {
    db.close();
  }
}

function forgetMirror(): void {
  const db = new Database(join(cfg.stateDir, 'catalog.db'));
  try {
    db.prepare('DELETE FROM mirror_archives').run();
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  const server = await startSshd();
  origin = makeTempDir('drill-mirror');
  for (let d = 0; d < 10; d++) {
    mkdirSync(join(origin, 'files', `dir ${d}`), { recursive: true });
    for (let i = 0; i < 60; i++) writeFileSync(join(origin, 'files', `dir ${d}`, `-file ${i} é.txt`), `dir ${d} file ${i}\n`);
  }
  cfg = await writeTestConfig({
    hosts: [{ name: 'web', server, sources: [{ name: 'files', kind: 'data', path: join(origin, 'files') }] }],
    // Repository and archives checked on the first night only (daily): nothing here is about them.
    global: { checks: { repository: 'daily', archives: 'daily', drill: 'never' } },
  });
  const run = await runCli(['--config', cfg.configPath, 'run']);
  expect(run.exitCode, run.stdout + run.stderr).toBe(0);
});

describe('a drill of the archive the mirror still equals', () => {
  it('samples from the mirror, exactly as from the archive, and the nightly records which archive the mirror equals', async () => {
    expect(mirrorArchiveRows()).toEqual([expect.objectContaining({ host: 'web', sources: '["files"]' })]);
    const fromMirror = await drillJson(cfg.configPath, ['--sample', '7', '--archive', 'latest', '--seed', 'same']);
    expect(fromMirror.exitCode, JSON.stringify(fromMirror.report, null, 2)).toBe(0);
    expect(fromMirror.report.drills[0]!.counts).toEqual({ sampled: 7, matches: 7, mismatches: 0, changed: 0, unverified: 0 });
    expect(sampleSources()).toEqual(['mirror']);

    forgetMirror();
    const fromArchive = await drillJson(cfg.configPath, ['--sample', '7', '--archive', 'latest', '--seed', 'same']);
    expect(fromArchive.exitCode).toBe(0);
    expect(sampleSources()).toEqual(['mirror', 'archive']);
    expect(fromArchive.report.drills[0]!.sampled).toEqual(fromMirror.report.drills[0]!.sampled);
  });

  it('chooses again from the archive when the mirror was changed behind its back, and still passes', async () => {
    await nextSecond(); // archive names have one-second resolution
    const run = await runCli(['--config', cfg.configPath, 'run']);
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(mirrorArchiveRows()).toHaveLength(1);
    // Someone "fixed" files in the mirror by hand: every file is longer than the archive's copy.
    const mirror = join(cfg.stateDir, 'mirror', 'web', 'files');
    for (const d of readdirSync(mirror)) for (const f of readdirSync(join(mirror, d))) appendFileSync(join(mirror, d, f), 'edited\n');
    const drill = await drillJson(cfg.configPath, ['--sample', '5', '--archive', 'latest']);
    expect(drill.exitCode, JSON.stringify(drill.report, null, 2)).toBe(0);
    expect(drill.report.drills[0]!.counts).toEqual({ sampled: 5, matches: 5, mismatches: 0, changed: 0, unverified: 0 });
    expect(sampleSources().slice(-2)).toEqual(['mirror', 'archive']);
  });

  it('takes the mirror for no archive once a pull has run, even when that night made none', async () => {
    await nextSecond();
    renameSync(join(origin, 'files'), join(origin, 'files-away'));
    const run = await runCli(['--config', cfg.configPath, 'run']);
    expect(run.exitCode).toBe(1);
    renameSync(join(origin, 'files-away'), join(origin, 'files'));
    expect(mirrorArchiveRows()).toEqual([]);
    const drill = await drillJson(cfg.configPath, ['--sample', '5', '--archive', 'latest']);
    expect(drill.exitCode, JSON.stringify(drill.report, null, 2)).toBe(0);
    expect(sampleSources().at(-1)).toBe('archive');
  });
});
