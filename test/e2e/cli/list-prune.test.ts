// `pullback list` shows each archive's kind, size and file count after a real run (catalog
// statistics, borg info for archives the catalog never saw, partial by borg comment, pre-restore
// snapshots by name), in the table and in --json; `pullback prune` names the archives it deleted.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir, runBorg, runCli, startSshd, writeTestConfig } from '../../harness/index.js';

interface Listed {
  name: string;
  kind: string;
  size: number | null;
  files: number | null;
}

/** The messages logged (JSON lines under <state_dir>/logs) by the prune step. */
function pruneMessages(stateDir: string): string[] {
  const dir = join(stateDir, 'logs');
  return readdirSync(dir)
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean))
    .map((l) => JSON.parse(l) as { msg?: string; step?: string })
    .filter((e) => e.step === 'prune' && /^pruned /.test(e.msg ?? ''))
    .map((e) => e.msg!);
}

describe('list and prune output', () => {
  it('list: kind, size and files per archive; prune: the deleted names', async () => {
    const server = await startSshd();
    const source = makeTempDir('main-server-');
    for (let i = 0; i < 5; i++) writeFileSync(join(source, `f${i}.txt`), 'x'.repeat(1000));
    const cfg = await writeTestConfig({
      global: { retention: { daily: 1, weekly: 0, monthly: 0 } },
      hosts: [{ name: 'main', server, sources: [{ name: 'data', kind: 'data', path: source }] }],
    });
    const env = { TZ: 'UTC' };
    const run = await runCli(['--config', cfg.configPath, 'run'], { env });
    expect(run.exitCode, run.stderr + run.stdout).toBe(0);
    // The first night created the repository: its one archive is nothing to prune.
    expect(pruneMessages(cfg.stateDir)).toEqual([]);

    // Archives the catalog never recorded: borg is asked for their size and file count.
    const repo = cfg.repoPath('main');
    const content = makeTempDir('archive-content-');
    mkdirSync(join(content, 'data'));
    writeFileSync(join(content, 'data', 'one'), 'y'.repeat(3000));
    const old = 'main-20240101T000000Z';
    const partial = 'main-20240102T000000Z';
    const snapshot = 'main-pre-restore-20240103T000000Z';
    await runBorg(['create', '--timestamp', '2024-01-01T00:00:00', `${repo}::${old}`, 'data'], cfg.passphraseFile, content);
    await runBorg(['create', '--timestamp', '2024-01-02T00:00:00', '--comment', 'partial: failed data (last good mirror)', `${repo}::${partial}`, 'data'], cfg.passphraseFile, content);
    await runBorg(['create', '--timestamp', '2024-01-03T00:00:00', `${repo}::${snapshot}`, 'data'], cfg.passphraseFile, content);

    const json = await runCli(['--config', cfg.configPath, 'list', '--json'], { env });
    expect(json.exitCode, json.stderr).toBe(0);
    const archives = (JSON.parse(json.stdout) as { hosts: Array<{ host: string; archives: Listed[] }> }).hosts[0]!.archives;
    const byName = Object.fromEntries(archives.map((a) => [a.name, a]));
    const tonight = archives.find((a) => ![old, partial, snapshot].includes(a.name))!;
    expect(tonight.name).toMatch(/^main-\d{8}T\d{6}Z$/);
    // Tonight's archive: five files plus the manifest, from the catalog.
    expect(tonight).toMatchObject({ kind: 'nightly', files: 6 });
    expect(tonight.size).toBeGreaterThanOrEqual(5000);
    expect(byName[old]).toMatchObject({ kind: 'nightly', size: 3000, files: 1 });
    expect(byName[partial]).toMatchObject({ kind: 'partial', size: 3000, files: 1 });
    expect(byName[snapshot]).toMatchObject({ kind: 'pre-restore', size: 3000, files: 1 });

    const table = await runCli(['--config', cfg.configPath, 'list'], { env });
    expect(table.exitCode, table.stderr).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^HOST\s+ARCHIVE\s+CREATED\s+KIND\s+SIZE\s+FILES$/);
    expect(table.stdout).toMatch(new RegExp(`^main\\s+${old}\\s+\\S+\\s+nightly\\s+2\\.9 KiB\\s+1$`, 'm'));
    expect(table.stdout).toMatch(new RegExp(`^main\\s+${partial}\\s+\\S+\\s+partial\\s+2\\.9 KiB\\s+1$`, 'm'));
    expect(table.stdout).toMatch(new RegExp(`^main\\s+${snapshot}\\s+\\S+\\s+pre-restore snapshot\\s+2\\.9 KiB\\s+1$`, 'm'));
    expect(table.stdout).toMatch(new RegExp(`^main\\s+${tonight.name}\\s+\\S+\\s+nightly\\s+\\S+ \\S+\\s+6$`, 'm'));

    // daily: 1 keeps tonight's archive; the two backdated nightly ones go, the snapshot stays.
    const prune = await runCli(['--config', cfg.configPath, 'prune'], { env });
    expect(prune.exitCode, prune.stderr + prune.stdout).toBe(0);
    expect(prune.stdout).toMatch(/^main\s+OK\s+pruned 2 archive\(s\)$/m);
    expect(prune.stdout).toContain('Pruned archives of main:\n');
    for (const n of [old, partial]) expect(prune.stdout).toMatch(new RegExp(`^ {2}${n}$`, 'm'));
    expect(prune.stdout).not.toContain(snapshot);
    expect(pruneMessages(cfg.stateDir)[0]).toMatch(/^pruned 2 archive\(s\): main-2024010[12]T000000Z, main-2024010[12]T000000Z$/);
    const again = await runCli(['--config', cfg.configPath, 'prune'], { env });
    expect(again.stdout).toMatch(/^main\s+OK\s+pruned nothing \(the retention policy keeps every archive\)$/m);
    await server.stop();
  });
});
