// Issue 22 (fault tour, flipped-bytes): after `pullback check --repair` zero-filled a file in every
// archive that held it, the catalog records which files of which archives are zero-filled; a restore
// of such an archive FAILs readiness naming each file and the newest archive that holds it whole
// (nothing pushed), and status is AMBER for the host and the source until a night archived the
// source again after the repair and an archives check passed. Before: status GREEN, the dry run said
// "every check passed" and a real restore pushed the zeros (real sshd, rsync, borg).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { corruptLargestSegment, makeTempDir, nextSecond, queryCatalog, runCli, startSshd, writeTestConfig } from '../../harness/index.js';


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
});
