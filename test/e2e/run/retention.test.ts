// Retention: backdated archives in a repository shared by several hosts; prune (alone and in a run)
// keeps the right nightly archives of the host and never touches pre-restore snapshots or other hosts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { borgList, makeTempDir, nextSecond, runBorg, runCli, startSshd, writeTestConfig } from '../../harness/index.js';

const MAIN = {
  A1: 'main-20240110T120000Z',
  A2: 'main-20240205T120000Z',
  A3: 'main-20240220T120000Z',
  A5: 'main-20240301T180000Z',
  A6: 'main-20240302T120000Z',
  A7: 'main-20240303T120000Z',
};
const PRE_RESTORE = 'main-pre-restore-20231201T120000Z';
// Older than every kept archive of main: pruned at once if main's prune ever reached them.
const NEIGHBOURS = ['main-2-20240101T120000Z', 'other-20230101T120000Z'];

/** `2024-03-01T12:00:00` from a `<...>-20240301T120000Z` name. */
function stampOf(name: string): string {
  const m = /(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(name)!;
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`;
}

describe('retention', () => {
  it('daily 2, weekly 1, monthly 1 over backdated archives; prune and run agree', async () => {
    const server = await startSshd();
    const source = makeTempDir('main-server-');
    writeFileSync(join(source, 'file.txt'), 'data\n');
    const dir = makeTempDir('pullback-config-');
    const shared = join(dir, 'borg', 'shared repo');
    const offline = { address: '127.0.0.1', port: 9, user: 'nobody' };
    const cfg = await writeTestConfig({
      dir,
      // The checks run on the first night only (daily): the second would check every archive again.
      global: { repository: { path: shared }, retention: { daily: 2, weekly: 1, monthly: 1 }, checks: { repository: 'daily', archives: 'daily' } },
      hosts: [
        { name: 'main', server, sources: [{ name: 'data', kind: 'data', path: source }] },
        { name: 'main-2', server: offline, sources: [{ name: 'data', kind: 'data', path: '/nonexistent' }] },
        { name: 'other', server: offline, sources: [{ name: 'data', kind: 'data', path: '/nonexistent' }] },
      ],
    });

    const content = makeTempDir('archive-content-');
    mkdirSync(join(content, 'data'));
    writeFileSync(join(content, 'data', 'x'), 'x\n');
    await runBorg(['init', '--encryption', 'repokey-blake2', '--make-parent-dirs', shared], cfg.passphraseFile);
    for (const name of [...Object.values(MAIN), PRE_RESTORE, ...NEIGHBOURS]) {
      await runBorg(['create', '--timestamp', stampOf(name), `${shared}::${name}`, 'data'], cfg.passphraseFile, content);
    }

    const env = { TZ: 'UTC' };
    const prune = await runCli(['--config', cfg.configPath, 'prune', '--host', 'main'], { env });
    expect(prune.exitCode, prune.stderr + prune.stdout).toBe(0);
    // Daily keeps A7, A6; weekly the newest of an earlier ISO week (A3); monthly the newest of an earlier month (A1).
    expect((await borgList(shared, cfg.passphraseFile)).sort()).toEqual([MAIN.A1, MAIN.A3, MAIN.A6, MAIN.A7, PRE_RESTORE, ...NEIGHBOURS].sort());

    // A run adds today's archive and owes a prune, which the next night pays first thing: daily then
    // keeps today and A7, so A6 goes (then the second run adds its own archive).
    const run = await runCli(['--config', cfg.configPath, 'run', '--host', 'main'], { env });
    expect(run.exitCode, run.stderr + run.stdout).toBe(0);
    const ours = (names: string[]) => names.filter((n) => !Object.values(MAIN).includes(n) && n !== PRE_RESTORE && !NEIGHBOURS.includes(n)).sort();
    const first = ours(await borgList(shared, cfg.passphraseFile));
    expect(first).toHaveLength(1);
    expect(first[0]).toMatch(/^main-\d{8}T\d{6}Z$/);
    expect((await borgList(shared, cfg.passphraseFile)).sort()).toEqual([MAIN.A1, MAIN.A3, MAIN.A6, MAIN.A7, first[0]!, PRE_RESTORE, ...NEIGHBOURS].sort());
    await nextSecond(); // archive names are to the second
    const run2 = await runCli(['--config', cfg.configPath, 'run', '--host', 'main'], { env });
    expect(run2.exitCode, run2.stderr + run2.stdout).toBe(0);
    const after = await borgList(shared, cfg.passphraseFile);
    const today = ours(after);
    expect(today).toHaveLength(2);
    expect(after.sort()).toEqual([MAIN.A1, MAIN.A3, MAIN.A7, ...today, PRE_RESTORE, ...NEIGHBOURS].sort());

    const list = await runCli(['--config', cfg.configPath, 'list', '--json'], { env });
    expect(list.exitCode, list.stderr).toBe(0);
    const hosts = (JSON.parse(list.stdout) as { hosts: Array<{ host: string; archives: Array<{ name: string }> }> }).hosts;
    const names = Object.fromEntries(hosts.map((h) => [h.host, h.archives.map((a) => a.name).sort()]));
    expect(names).toEqual({
      main: [MAIN.A1, MAIN.A3, MAIN.A7, ...today, PRE_RESTORE].sort(),
      'main-2': [NEIGHBOURS[0]],
      other: [NEIGHBOURS[1]],
    });
    await server.stop();
  });
});
