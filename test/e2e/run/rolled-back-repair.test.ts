// Issue 22 (soak, seed 202, night 97): `pullback check --repair` commits its own borg transaction (a
// new manifest, the all-zero replacement chunks, the archives rewritten to use them), but `borg check`
// opens no cache, so borg's security directory never learns that manifest. When a crash or a bad disk
// then cuts the repository's last segment (the repair's commit: in borg 1.2 every final commit is a
// 17-byte segment of its own), borg rolls the repair back without a word: `borg list` lists every
// archive, the repository check passes, and the night archived into it and exited 0, although the
// archives pointed at the chunks the repair had replaced, missing again (the new archive too: the
// cache was in step with the old manifest). Now the repair makes borg remember the repaired state, so
// the rollback is refused and named like any other: the night fails red, status is red, and accepting
// the repository leads to a new repair (real sshd, rsync, borg). Whether the repair zero-filled a
// file (the first test) or only dropped an entry no archive used (the second: most likely the soak's
// night, whose nightly archives check passed), what a rollback lost is unknown until a check: red
// like every rollback, and accept-rollback's check decides. Both failed before: the night exited 0.
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { borgList, corruptLargestSegment, makeTempDir, nextSecond, queryCatalog, runCli, startSshd, writeTestConfig } from '../../harness/index.js';

/** The highest-numbered segment file of `repo`: the last transaction's commit. */
function lastSegment(repo: string): string {
  const data = join(repo, 'data');
  const dirs = readdirSync(data).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(a) - Number(b));
  const dir = join(data, dirs.at(-1)!);
  const segments = readdirSync(dir).filter((f) => /^\d+$/.test(f)).sort((a, b) => Number(a) - Number(b));
  return join(dir, segments.at(-1)!);
}

/**
 * Flips bytes inside the oldest manifest PUT of `repo` (borg 1.2 segment entries: crc32, size, tag,
 * 32-byte key; the manifest's key is all zeros): a copy every later transaction superseded, which no
 * archive uses. borg check fails on its checksum; the repair drops it and zero-fills nothing.
 */
function corruptOldManifest(repo: string): string {
  const dir = join(repo, 'data', '0');
  for (const name of readdirSync(dir).filter((f) => /^\d+$/.test(f)).sort((a, b) => Number(a) - Number(b))) {
    const file = join(dir, name);
    const b = readFileSync(file);
    for (let off = 8; off + 41 <= b.length; ) {
      const size = b.readUInt32LE(off + 4);
      if (size < 9) break;
      if (b[off + 8] === 0 && b.subarray(off + 9, off + 41).every((x) => x === 0)) {
        const fd = openSync(file, 'r+');
        writeSync(fd, Buffer.from(b.subarray(off + 50, off + 58).map((x) => x ^ 0xff)), 0, 8, off + 50);
        closeSync(fd);
        return file;
      }
      off += size;
    }
  }
  throw new Error(`no manifest entry found in ${dir}`);
}

describe('a repair rolled back by a truncated last segment', () => {
  it('fails the next night red, naming the repair that is undone, and accept-rollback then check --repair make it whole again', async () => {
    const server = await startSshd();
    const data = join(makeTempDir('main-server-'), 'data');
    mkdirSync(data, { recursive: true });
    // Incompressible blobs: the middle of the largest segment is some blob's data chunk.
    for (let i = 0; i < 4; i++) writeFileSync(join(data, `blob-${i}.bin`), randomBytes(700_000));
    writeFileSync(join(data, 'small.txt'), 'small\n');
    const cfg = await writeTestConfig({
      hosts: [{ name: 'main', server, sources: [{ name: 'data', kind: 'data', path: data }] }],
      // The defaults' kinds of check: the repository every night, the archives weekly (the repair's proof just passed one).
      global: { checks: { repository: 'always', archives: 'weekly', data: 'never', drill: 'never' } },
    });
    const c = ['--config', cfg.configPath];
    const repo = cfg.repoPath('main');
    for (let night = 0; night < 2; night++) {
      const r = await runCli([...c, 'run']);
      expect(r.exitCode, r.stderr + r.stdout).toBe(0);
      await nextSecond(); // archive names have one-second resolution
    }
    const archives = queryCatalog<{ name: string }>(cfg.stateDir, "SELECT name FROM archives WHERE host = 'main' ORDER BY created_at").map((r) => r.name);

    corruptLargestSegment(repo);
    const repair = await runCli([...c, 'check', '--repair', '--host', 'main', '--yes'], { timeoutMs: 300_000 });
    expect(repair.exitCode, repair.stderr + repair.stdout).toBe(0);
    expect(repair.stdout).toMatch(new RegExp(`${archives[1]}: data/blob-\\d\\.bin`));

    // The repair's commit, alone in the newest segment (magic + commit entry), cut to the magic: what the soak did.
    const seg = lastSegment(repo);
    expect(statSync(seg).size).toBe(17);
    truncateSync(seg, 8);
    await nextSecond();

    const night = await runCli([...c, 'run']);
    // Before the fix: exit 0, a third archive whose blob pointed at a chunk no longer in the repository.
    expect(night.exitCode, night.stderr + night.stdout).toBe(1);
    expect(night.stdout).toMatch(/^main\s+FAILED/m);
    expect(night.stdout).toContain('went back in time');
    expect(night.stdout).toContain('`pullback check --repair` of');
    expect(night.stdout).toContain('the damage it repaired is back');
    expect(night.stdout).toContain('`pullback repo accept-rollback --host main`');
    // Nothing was archived into the rolled-back repository.
    expect(await borgList(repo, cfg.passphraseFile)).toEqual(archives);

    const red = await runCli([...c, 'status']);
    expect(red.exitCode, red.stdout).toBe(1);
    expect(red.stdout).toMatch(/RED main: .*rolled back|RED main: .*went back in time/);

    // Accepting the repository as it is: its proof finds the chunks the repair had replaced missing again, and says what to run.
    const accept = await runCli([...c, 'repo', 'accept-rollback', '--host', 'main', '--yes'], { timeoutMs: 300_000 });
    expect(accept.exitCode, accept.stderr + accept.stdout).toBe(1);
    expect(accept.stdout).toContain('not proven usable');
    expect(accept.stdout).toContain('pullback check --host main --repair');
    expect((await runCli([...c, 'status'])).exitCode).toBe(1);

    const again = await runCli([...c, 'check', '--repair', '--host', 'main', '--yes'], { timeoutMs: 300_000 });
    expect(again.exitCode, again.stderr + again.stdout).toBe(0);
    const next = await runCli([...c, 'run']);
    expect(next.exitCode, next.stderr + next.stdout).toBe(0);
    // Every archive reads back whole or names its zero-filled file: a whole check passes.
    const check = await runCli([...c, 'check', '--host', 'main']);
    expect(check.exitCode, check.stderr + check.stdout).toBe(0);
    await server.stop();
  });
  it('is refused even when the repair only dropped an entry no archive used: accept-rollback proves it whole and the next night archives', async () => {
    const server = await startSshd();
    const data = join(makeTempDir('main-server-'), 'data');
    mkdirSync(data, { recursive: true });
    writeFileSync(join(data, 'a.txt'), 'a\n');
    const cfg = await writeTestConfig({
      hosts: [{ name: 'main', server, sources: [{ name: 'data', kind: 'data', path: data }] }],
      global: { checks: { repository: 'always', archives: 'weekly', data: 'never', drill: 'never' } },
    });
    const c = ['--config', cfg.configPath];
    const repo = cfg.repoPath('main');
    for (let night = 0; night < 2; night++) {
      const r = await runCli([...c, 'run']);
      expect(r.exitCode, r.stderr + r.stdout).toBe(0);
      await nextSecond();
    }
    corruptOldManifest(repo);
    const repair = await runCli([...c, 'check', '--repair', '--host', 'main', '--yes'], { timeoutMs: 300_000 });
    expect(repair.exitCode, repair.stderr + repair.stdout).toBe(0);
    expect(repair.stdout).toContain('borg named no file it replaced with zeros');
    const seg = lastSegment(repo);
    expect(statSync(seg).size).toBe(17);
    truncateSync(seg, 8);

    // What the rollback lost is not known before a check: the night is red like any rollback's (before: exit 0).
    const night = await runCli([...c, 'run']);
    expect(night.exitCode, night.stderr + night.stdout).toBe(1);
    expect(night.stdout).toContain('`pullback check --repair` of');
    const accept = await runCli([...c, 'repo', 'accept-rollback', '--host', 'main', '--yes'], { timeoutMs: 300_000 });
    expect(accept.exitCode, accept.stderr + accept.stdout).toBe(0);
    expect(accept.stdout).toContain('borg check of the repository and its archives passed');
    const next = await runCli([...c, 'run']);
    expect(next.exitCode, next.stderr + next.stdout).toBe(0);
    const green = await runCli([...c, 'status']);
    expect(green.exitCode, green.stdout).toBe(0);
    await server.stop();
  });
});
