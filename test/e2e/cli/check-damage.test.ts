// Issue 22, damage in the repository: bytes flipped in the segment that holds the newest archive's
// chunks. The night's check fails, and from then on `status` is red for the host and the source the
// damaged file belongs to, naming the check that failed, when, the unreadable file and the next
// command, until a clean check; `pullback check --repair` repairs after confirmation and proves it.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { corruptLargestSegment, makeTempDir, moveChecksBackADay, nextSecond, queryCatalog, runBorg, runCli, runCliOnPty, startSshd, writeTestConfig } from '../../harness/index.js';

describe('a damaged repository', () => {
  it('is red in status with the damaged file named until check --repair proves it whole', async () => {
    const server = await startSshd();
    const data = join(makeTempDir('main-server-'), 'data');
    mkdirSync(data, { recursive: true });
    // Incompressible blobs: the middle of the largest segment is some blob's data chunk.
    for (let i = 0; i < 4; i++) writeFileSync(join(data, `blob-${i}.bin`), randomBytes(700_000));
    writeFileSync(join(data, 'small.txt'), 'small\n');
    const metricsFile = join(makeTempDir('metrics-'), 'pullback.prom');
    const cfg = await writeTestConfig({
      hosts: [{ name: 'main', server, sources: [{ name: 'data', kind: 'data', path: data }] }],
      global: { checks: { repository: 'daily', archives: 'weekly', data: 'never', drill: 'never' }, metrics: { file: metricsFile } },
    });
    const c = ['--config', cfg.configPath];
    const first = await runCli([...c, 'run']);
    expect(first.exitCode, first.stderr + first.stdout).toBe(0);
    const fresh = await runCli([...c, 'status']);
    expect(fresh.exitCode, fresh.stdout).toBe(0);

    corruptLargestSegment(cfg.repoPath('main'));
    moveChecksBackADay(cfg.stateDir);
    await nextSecond(); // archive names have one-second resolution
    const night = await runCli([...c, 'run']);
    expect(night.exitCode, night.stderr + night.stdout).toBe(1);

    // The host and its source are red; the status names the failed check, when, the file, the next command.
    const red = await runCli([...c, 'status']);
    expect(red.exitCode, red.stdout).toBe(1);
    expect(red.stdout).toMatch(/^main\s+-\s+RED/m);
    expect(red.stdout).toMatch(/^main\s+data\s+RED/m);
    expect(red.stdout).toMatch(/RED main: DAMAGED repository: the repository check failed .* ago \(\d{4}-\d\d-\d\dT[^)]*\): borg check --repository-only --max-duration of .* found problems: .*Segment entry checksum mismatch/);
    expect(red.stdout).toMatch(/unreadable files: main-\d{8}T\d{6}Z: data\/blob-\d\.bin/);
    expect(red.stdout).toMatch(/RED main\/data: DAMAGED: unreadable in the repository: data\/blob-\d\.bin \(main-\d{8}T\d{6}Z\)/);
    expect(red.stdout).toMatch(/next: pullback check --repair --host main/);
    const damaged = /data\/(blob-\d\.bin) \(main-/.exec(red.stdout)![1]!;
    const json = JSON.parse((await runCli([...c, 'status', '--json'])).stdout);
    expect(json.hosts[0].status).toBe('red');
    expect(json.hosts[0].sources[0].status).toBe('red');
    expect(json.hosts[0].damage[0].kinds).toEqual(['repository']);
    // The metrics written after the failed night say the same.
    const prom = readFileSync(metricsFile, 'utf8');
    expect(prom).toMatch(/^pullback_repository_damaged\{host="main"\} 1$/m);
    expect(prom).toMatch(/^pullback_source_freshness\{host="main",source="data"\} 2$/m);
    expect(prom).toMatch(/^pullback_freshness\{host="main"\} 2$/m);
    const report = await runCli([...c, 'report']);
    expect(report.stdout).toMatch(/RED DAMAGED repository: the repository check failed/);
    expect(report.stdout).toMatch(/source data: RED/);

    // The data check names the same file in every archive that holds it (deduplicated: both nights').
    const check = await runCli([...c, 'check', '--verify-data']);
    expect(check.exitCode, check.stderr + check.stdout).toBe(1);
    expect(check.stdout).toMatch(/^main\s+FAILED\s+borg check --verify-data of .* found problems/m);
    expect(check.stdout).toContain('Damage in the repository of main:');
    const named = check.stdout.split('\n').filter((l) => /^\s+main-\d{8}T\d{6}Z: 1 unreadable file\(s\): /.test(l));
    expect(named).toHaveLength(2);
    for (const l of named) expect(l).toContain(`data/${damaged}`);
    expect(check.stdout).toMatch(/Next: pullback check --repair --host main/);
    const open = queryCatalog<{ kind: string }>(cfg.stateDir, 'SELECT kind FROM check_damage ORDER BY kind');
    expect(open.map((r) => r.kind)).toEqual(['archives', 'data', 'repository']);

    // A drill of a sample cannot vouch for a repository with an open failed check: it fails and says what to do (found by the soak).
    const drill = await runCli([...c, 'drill', '--host', 'main']);
    expect(drill.exitCode, drill.stderr + drill.stdout).toBe(1);
    expect(drill.stdout + drill.stderr).toMatch(/has an unresolved failed check .*pullback check --repair --host main/);

    // No terminal and no --yes: refused, nothing done. On a terminal, anything but "yes" declines.
    const refused = await runCli([...c, 'check', '--repair', '--host', 'main']);
    expect(refused.exitCode, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/nothing repaired: stdin is not a terminal .*pullback check --repair --host main --yes/);
    const declined = await runCliOnPty([...c, 'check', '--repair', '--host', 'main'], { typed: 'no\n' });
    expect(declined.exitCode, declined.output).toBe(1);
    expect(declined.output).toMatch(/borg check --repair: borg deletes every chunk it cannot read/);
    expect(declined.output).toContain('Nothing repaired');
    expect(queryCatalog(cfg.stateDir, 'SELECT kind FROM check_damage')).toHaveLength(3);

    const repair = await runCli([...c, 'check', '--repair', '--host', 'main', '--yes'], { timeoutMs: 300_000 });
    expect(repair.exitCode, repair.stderr + repair.stdout).toBe(0);
    expect(repair.stdout).toMatch(/^main\s+OK\s+repaired; borg check --verify-data passed after it/m);
    expect(repair.stdout).toMatch(new RegExp(`main-\\d{8}T\\d{6}Z: data/${damaged.replace('.', '\\.')}`));
    expect(repair.stdout).toContain('The next night archives the current mirror again');
    expect(queryCatalog(cfg.stateDir, 'SELECT kind FROM check_damage')).toEqual([]);

    const green = await runCli([...c, 'status']);
    expect(green.exitCode, green.stdout).toBe(0);
    expect(green.stdout).not.toMatch(/DAMAGED/);
    expect(readFileSync(metricsFile, 'utf8')).toMatch(/^pullback_repository_damaged\{host="main"\} 0$/m);

    // The next night archives the mirror whole again: its archive reads back completely.
    moveChecksBackADay(cfg.stateDir);
    await nextSecond();
    const after = await runCli([...c, 'run']);
    expect(after.exitCode, after.stderr + after.stdout).toBe(0);
    const newest = queryCatalog<{ name: string }>(cfg.stateDir, "SELECT name FROM archives WHERE host = 'main' ORDER BY created_at DESC LIMIT 1")[0]!.name;
    const readBack = await runBorg(['extract', '--dry-run', `${cfg.repoPath('main')}::${newest}`], cfg.passphraseFile);
    expect(readBack.exitCode, readBack.stderr).toBe(0);
    const whole = await runCli([...c, 'check', '--verify-data']);
    expect(whole.exitCode, whole.stderr + whole.stdout).toBe(0);

    // A partial repository check (the nightly's, repository_max_duration) proves only the segments
    // it read: it never clears an open repository failure; a whole check does. borg itself starts a
    // new pass after finding damage, so the failure is put back in the catalog by hand here.
    const db = new Database(join(cfg.stateDir, 'catalog.db'));
    db.prepare("INSERT INTO check_damage (repository, host, kind, first_failed_at, failed_at, error) VALUES (?, '', 'repository', ?, ?, 'borg check found problems')").run(cfg.repoPath('main'), new Date().toISOString(), new Date().toISOString());
    db.close();
    moveChecksBackADay(cfg.stateDir);
    await nextSecond();
    const partial = await runCli([...c, 'run']);
    expect(partial.exitCode, partial.stderr + partial.stdout).toBe(0);
    const still = await runCli([...c, 'status']);
    expect(still.exitCode, still.stdout).toBe(1);
    expect(still.stdout).toMatch(/RED main: DAMAGED repository: the repository check failed .*resolved once pullback check --host main passes/);
    const full = await runCli([...c, 'check']);
    expect(full.exitCode, full.stderr + full.stdout).toBe(0);
    expect((await runCli([...c, 'status'])).exitCode).toBe(0);
  });
});
