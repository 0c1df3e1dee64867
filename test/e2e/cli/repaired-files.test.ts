// Issue 22 (fault tour, flipped-bytes): after `pullback check --repair` zero-filled a file in every
// archive that held it, the catalog records which files of which archives are zero-filled; a restore
// of such an archive FAILs readiness naming each file and the newest archive that holds it whole
// (nothing pushed), and status is AMBER for the host and the source until a night archived the
// source again after the repair and an archives check passed. Before: status GREEN, the dry run said
// "every check passed" and a real restore pushed the zeros (real sshd, rsync, borg).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { corruptLargestSegment, makeTempDir, nextSecond, queryCatalog, runCli, schemaProblems, startSshd, writeTestConfig } from '../../harness/index.js';


describe('files a repair zero-filled', () => {
  it('are recorded per archive: a restore of them FAILs readiness naming the archive that holds them whole, and status is AMBER until re-archived and checked', async () => {
    const server = await startSshd();
    const data = join(makeTempDir('main-server-'), 'data');
    mkdirSync(data, { recursive: true });
    // Incompressible blobs: the middle of the largest segment is some blob's data chunk.
    for (let i = 0; i < 4; i++) writeFileSync(join(data, `blob-${i}.bin`), randomBytes(700_000));
    writeFileSync(join(data, 'small.txt'), 'small\n');
    const cfg = await writeTestConfig({
      hosts: [{ name: 'main', server, sources: [{ name: 'data', kind: 'data', path: data }] }],
      // The archives check weekly: the night after the repair archives whole again, but no check proves it yet.
      global: { checks: { repository: 'always', archives: 'weekly', data: 'never', drill: 'never' } },
    });
    const c = ['--config', cfg.configPath];
    for (let night = 0; night < 2; night++) {
      const r = await runCli([...c, 'run']);
      expect(r.exitCode, r.stderr + r.stdout).toBe(0);
      await nextSecond(); // archive names have one-second resolution
    }
    const [first, second] = queryCatalog<{ name: string }>(cfg.stateDir, "SELECT name FROM archives WHERE host = 'main' ORDER BY created_at").map((r) => r.name);

    corruptLargestSegment(cfg.repoPath('main'));
    const repair = await runCli([...c, 'check', '--repair', '--host', 'main', '--yes'], { timeoutMs: 300_000 });
    expect(repair.exitCode, repair.stderr + repair.stdout).toBe(0);
    const damaged = new RegExp(`${second}: data/(blob-\\d\\.bin)`).exec(repair.stdout)![1]!;
    const path = `data/${damaged}`;
    expect(repair.stdout).toContain(`${first}: ${path}`);
    // AMBER (not green, not red: the repository is consistent again), naming the file.
    const amber = await runCli([...c, 'status']);
    expect(amber.exitCode, amber.stdout).toBe(0);
    expect(amber.stdout).toMatch(/^main\s+-\s+AMBER/m);
    expect(amber.stdout).toMatch(/^main\s+data\s+AMBER/m);
    expect(amber.stdout).toContain(`AMBER main/data: ZERO-FILLED by a repair`);
    expect(amber.stdout).toContain(`${path} (in 2 archive(s), newest ${second})`);
    const json = JSON.parse((await runCli([...c, 'status', '--json'])).stdout);
    expect(json.status).toBe('amber');
    expect(json.hosts[0].status).toBe('amber');
    expect(json.hosts[0].sources[0].status).toBe('amber');

    // The newest archive holds the file zero-filled, and none holds it whole: readiness FAILs, naming it.
    const dry = await runCli([...c, 'restore', '--host', 'main', '--dry-run']);
    expect(dry.exitCode, dry.stderr + dry.stdout).toBe(1);
    expect(dry.stdout).toMatch(new RegExp(`FAIL {2}no file zero-filled by a repair in ${second}: ZERO-FILLED by pullback check --repair at \\S+: ${path.replace('.', '\\.')} \\(no archive holds it whole\\)`));
    expect(dry.stdout).not.toContain('every check passed');

    expect(repair.stdout).toMatch(/recorded in the catalog: a restore of these files from these archives is refused/);

    // Recorded per archive.
    const rows = queryCatalog<{ archive: string; path: string; host: string }>(cfg.stateDir, 'SELECT archive, path, host FROM zeroed_files ORDER BY archive');
    expect(rows).toEqual([
      { archive: first, path, host: 'main' },
      { archive: second, path, host: 'main' },
    ]);

    // A real restore pushes nothing: the server's copy (lost here) stays as it is.
    rmSync(join(data, damaged));
    const refused = await runCli([...c, 'restore', '--host', 'main', '--yes']);
    expect(refused.exitCode, refused.stderr + refused.stdout).toBe(1);
    expect(refused.stdout).toContain('Readiness failed: the restore stops here; nothing was changed');
    expect(existsSync(join(data, damaged))).toBe(false);
    writeFileSync(join(data, damaged), readFileSync(join(cfg.mirrorPath('main', 'data'), damaged)));

    // The next night archives the file whole again; no archives check has proven it yet: still AMBER.
    const night = await runCli([...c, 'run']);
    expect(night.exitCode, night.stderr + night.stdout).toBe(0);
    const third = queryCatalog<{ name: string }>(cfg.stateDir, "SELECT name FROM archives WHERE host = 'main' ORDER BY created_at DESC LIMIT 1")[0]!.name;
    const waiting = await runCli([...c, 'status']);
    expect(waiting.stdout).toMatch(/^main\s+data\s+AMBER/m);
    expect(waiting.stdout).toContain(`archived again in ${third}; green once an archives check passes (pullback check --host main)`);

    // The older archive still holds the zeros: its restore FAILs and names the archive that holds the file whole.
    const old = await runCli([...c, 'restore', '--host', 'main', '--archive', second, '--dry-run']);
    expect(old.exitCode, old.stderr + old.stdout).toBe(1);
    expect(old.stdout).toContain(`${path} (whole in ${third}: pullback restore --host main --archive ${third})`);
    // The newest archive restores.
    const fresh = await runCli([...c, 'restore', '--host', 'main', '--dry-run']);
    expect(fresh.exitCode, fresh.stderr + fresh.stdout).toBe(0);
    expect(fresh.stdout).toMatch(new RegExp(`PASS {2}no file zero-filled by a repair in ${third}`));

    // borg's own mark on the archive's items is read at the restore too: without the catalog's record the restore still FAILs.
    const db = new Database(join(cfg.stateDir, 'catalog.db'));
    db.prepare('DELETE FROM zeroed_files WHERE archive = ?').run(second);
    db.close();
    const measured = await runCli([...c, 'restore', '--host', 'main', '--archive', second, '--dry-run']);
    expect(measured.exitCode, measured.stderr + measured.stdout).toBe(1);
    expect(measured.stdout).toMatch(new RegExp(`FAIL {2}no file zero-filled by a repair in ${second}: borg marks broken \\(all-zero replacement chunks\\): ${path.replace('.', '\\.')} \\(whole in ${third}`));

    // An archives check after the new archive: GREEN.
    const check = await runCli([...c, 'check']);
    expect(check.exitCode, check.stderr + check.stdout).toBe(0);
    const green = await runCli([...c, 'status']);
    expect(green.exitCode, green.stdout).toBe(0);
    expect(green.stdout).not.toMatch(/AMBER|RED/);
    await server.stop();
  });

  // Issue 22 leftover: the mark is the file's, not its source's. A restore of another file, a folder
  // or another source passes; only one that includes the zero-filled file fails, naming it (--force
  // does not override it). status, the report (text and JSON) and the drill name the file itself.
  it("condemn only themselves: a restore of the source's other files passes, of the file fails naming it; status, report and drill name it", async () => {
    const server = await startSshd();
    const root = makeTempDir('main-server-');
    const data = join(root, 'data');
    mkdirSync(join(data, 'docs'), { recursive: true });
    const blobs = ['blob-0.bin', 'blob-1.bin', 'blob-2.bin', 'blob-3.bin'];
    const bytes = new Map(blobs.map((b) => [b, randomBytes(700_000)]));
    for (const [b, content] of bytes) writeFileSync(join(data, b), content);
    writeFileSync(join(data, 'docs', 'small.txt'), 'small\n');
    const other = join(root, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'x.txt'), 'x\n');
    const cfg = await writeTestConfig({
      hosts: [{ name: 'main', server, sources: [{ name: 'data', kind: 'data', path: data }, { name: 'other', kind: 'data', path: other }] }],
      global: { checks: { repository: 'always', archives: 'weekly', data: 'never', drill: 'never' } },
    });
    const c = ['--config', cfg.configPath];
    const night = await runCli([...c, 'run']);
    expect(night.exitCode, night.stderr + night.stdout).toBe(0);
    const archive = queryCatalog<{ name: string }>(cfg.stateDir, "SELECT name FROM archives WHERE host = 'main'")[0]!.name;

    // Flipped bytes in the segment's middle (one blob's chunk: the blobs are incompressible), then the repair zero-fills that blob.
    corruptLargestSegment(cfg.repoPath('main'));
    const repair = await runCli([...c, 'check', '--repair', '--host', 'main', '--yes'], { timeoutMs: 300_000 });
    expect(repair.exitCode, repair.stderr + repair.stdout).toBe(0);
    const zeroed = new RegExp(`${archive}: data/(blob-\\d\\.bin)`).exec(repair.stdout)![1]!;
    const whole = blobs.find((b) => b !== zeroed)!;
    expect(queryCatalog<{ path: string }>(cfg.stateDir, 'SELECT path FROM zeroed_files')).toEqual([{ path: `data/${zeroed}` }]);

    // status: the source with the file AMBER naming that file alone; the other source GREEN.
    const status = await runCli([...c, 'status']);
    expect(status.exitCode, status.stdout).toBe(0);
    expect(status.stdout).toMatch(/^main\s+data\s+AMBER/m);
    expect(status.stdout).toMatch(/^main\s+other\s+GREEN/m);
    expect(status.stdout).toContain(`ZERO-FILLED by a repair (pullback check --repair, `);
    expect(status.stdout).toContain(`: data/${zeroed} (in 1 archive(s), newest ${archive}); a restore of those archives refuses these files`);
    for (const b of blobs.filter((x) => x !== zeroed)) expect(status.stdout).not.toContain(`data/${b}`);

    // Readiness, file by file.
    const passes = (r: { exitCode: number; stdout: string; stderr: string }) => {
      expect(r.exitCode, r.stderr + r.stdout).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`PASS {2}no file zero-filled by a repair in ${archive}: none of the files restored \\(borg marks 1 other item\\(s\\) of the archive broken\\)`));
      expect(r.stdout).toContain('Dry run: every check passed; nothing was changed.');
    };
    passes(await runCli([...c, 'restore', '--host', 'main', '--path', `data/${whole}`, '--dry-run']));
    passes(await runCli([...c, 'restore', '--host', 'main', '--path', 'data/docs', '--dry-run']));
    passes(await runCli([...c, 'restore', '--host', 'main', '--only', 'other', '--dry-run']));
    const failsNaming = (r: { exitCode: number; stdout: string; stderr: string }) => {
      expect(r.exitCode, r.stderr + r.stdout).toBe(1);
      expect(r.stdout).toMatch(new RegExp(`FAIL {2}no file zero-filled by a repair in ${archive}: ZERO-FILLED by pullback check --repair at \\S+: data/${zeroed.replace('.', '\\.')} \\(no archive holds it whole\\)`));
      for (const b of blobs.filter((x) => x !== zeroed)) expect(r.stdout).not.toMatch(new RegExp(`FAIL .*data/${b.replace('.', '\\.')}`));
    };
    failsNaming(await runCli([...c, 'restore', '--host', 'main', '--path', `data/${zeroed}`, '--dry-run']));
    failsNaming(await runCli([...c, 'restore', '--host', 'main', '--path', `data/${zeroed}`, '--path', `data/${whole}`, '--dry-run']));
    failsNaming(await runCli([...c, 'restore', '--host', 'main', '--only', 'data', '--dry-run']));
    // --force overrides the archive's age and recorded checks, never zeros pushed over a file (as before).
    failsNaming(await runCli([...c, 'restore', '--host', 'main', '--path', `data/${zeroed}`, '--force', '--dry-run']));

    // A real restore of the source's other file: done, its content whole.
    rmSync(join(data, whole));
    const restored = await runCli([...c, 'restore', '--host', 'main', '--path', `data/${whole}`, '--yes']);
    expect(restored.exitCode, restored.stderr + restored.stdout).toBe(0);
    expect(readFileSync(join(data, whole)).equals(bytes.get(whole)!)).toBe(true);
    // And of the zero-filled one: refused, nothing pushed over the server's copy.
    const refused = await runCli([...c, 'restore', '--host', 'main', '--path', `data/${zeroed}`, '--yes']);
    expect(refused.exitCode, refused.stderr + refused.stdout).toBe(1);
    expect(refused.stdout).toContain('Readiness failed: the restore stops here; nothing was changed');
    expect(readFileSync(join(data, zeroed)).equals(bytes.get(zeroed)!)).toBe(true);

    // The morning report names the file (text and JSON), not only an amber source.
    const text = await runCli([...c, 'report', '--since', '24h']);
    expect(text.exitCode, text.stderr + text.stdout).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^  AMBER main/data: ZERO-FILLED by a repair .*: data/${zeroed.replace('.', '\\.')} \\(in 1 archive\\(s\\), newest ${archive}\\)`, 'm'));
    const json = JSON.parse((await runCli([...c, 'report', '--since', '24h', '--format', 'json'])).stdout);
    expect(schemaProblems('report', json)).toEqual([]);
    expect(json.hosts[0].zero_filled).toEqual([{ source: 'data', status: 'amber', repaired_at: expect.any(String), files: [{ path: `data/${zeroed}`, archives: 1, newest_archive: archive }], reason: expect.stringContaining(`data/${zeroed}`) }]);

    // The drill of every file names the zero-filled one as such, even when its origin changed since
    // the archive (before: "changed", and the drill passed vouching for zeros); the others match.
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(data, zeroed), later, later);
    const drill = await runCli([...c, 'drill', '--host', 'main', '--percent', '100']);
    expect(drill.exitCode, drill.stderr + drill.stdout).toBe(1);
    expect(drill.stdout).toContain(`MISMATCH data/${zeroed}: ZERO-FILLED by pullback check --repair at `);
    expect(drill.stdout).not.toMatch(new RegExp(`MISMATCH data/(?!${zeroed.replace('.', '\\.')})`));
    await server.stop();
  });
});
