// A source folder replaced by a symlink on the main server (issue 22): `data -> elsewhere`. rsync
// follows a root given as `host:/path/`, so the night copied wherever the link pointed (/etc; with
// `/` the server's whole root filesystem) into the mirror before the shrink guard stopped it. Now
// the root is looked at (never followed) before any transfer: a symlink is refused red with the
// reason, nothing of where it points reaches the mirror, the other sources are archived, and
// `status` names it. (The restricted pull key's case is in test/faults/restricted-keys.test.ts.)
import { existsSync, mkdirSync, renameSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, queryCatalog, runBorg, runCli, snapshotTree, startSshd, writeTestConfig, type SshdServer, type TestConfig } from '../../harness/index.js';

let server: SshdServer;
let cfg: TestConfig;
const src = { data: '', etc: '' };
let elsewhere: string;

beforeAll(async () => {
  server = await startSshd();
  const root = makeTempDir('root-link-main-');
  src.data = join(root, 'data');
  src.etc = join(root, 'etc');
  for (const [name, p] of Object.entries(src)) {
    mkdirSync(join(p, 'sub'), { recursive: true });
    writeFileSync(join(p, 'a.txt'), `${name}\n`);
    writeFileSync(join(p, 'sub', 'b.txt'), `${name} b\n`);
  }
  // What the link will point to: a folder that is no source (the server's /etc, or worse, /).
  elsewhere = makeTempDir('root-link-elsewhere-');
  writeFileSync(join(elsewhere, 'shadow'), 'not for the mirror\n');
  mkdirSync(join(elsewhere, 'ssl'));
  writeFileSync(join(elsewhere, 'ssl', 'key.pem'), 'private\n');
  cfg = await writeTestConfig({
    global: { checks: { repository: 'never', archives: 'never', data: 'never', drill: 'never' } },
    hosts: [
      {
        name: 'main',
        server,
        sources: [
          { name: 'data', kind: 'data', path: src.data },
          { name: 'etc', kind: 'data', path: src.etc },
        ],
      },
    ],
  });
}, 300_000);

afterAll(async () => {
  await server.stop();
});

const cli = (...args: string[]) => runCli(['--config', cfg.configPath, ...args], { timeoutMs: 300_000 });

describe('a source root replaced by a symbolic link', () => {
  it('is refused before any transfer, red with the reason; nothing of where it points reaches the mirror', async () => {
    const first = await cli('run');
    expect(first.exitCode, first.stdout + first.stderr).toBe(0);
    const mirror = snapshotTree(cfg.mirrorPath('main', 'data'));

    renameSync(src.data, `${src.data}.moved`);
    symlinkSync(elsewhere, src.data);
    writeFileSync(join(src.etc, 'new.txt'), 'new\n');
    try {
      const night = await cli('run');
      expect(night.exitCode, night.stdout + night.stderr).toBe(1);
      expect(night.stdout).toContain(`main: source data: ${src.data} is now a symbolic link to ${elsewhere} on main; nothing was pulled and the mirror was left untouched`);
      expect(night.stdout).toContain(`set the source's path in ${cfg.hostFile('main')} to the real directory (${elsewhere})`);
      expect(night.stdout).toMatch(/^main\s+FAILED\s+main-\d{8}T\d{6}Z \(partial\)/m);

      // Nothing of the link's target in the mirror or in any archive; data's mirror as it was.
      expect(existsSync(join(cfg.mirrorPath('main', 'data'), 'shadow'))).toBe(false);
      expect(snapshotTree(cfg.mirrorPath('main', 'data'))).toEqual(mirror);
      const archives = (await runBorg(['list', '--short', cfg.repoPath('main')], cfg.passphraseFile)).stdout.trim().split('\n');
      const listed = (await runBorg(['list', '--short', `${cfg.repoPath('main')}::${archives.at(-1)}`], cfg.passphraseFile)).stdout.split('\n');
      expect(listed).toEqual(expect.arrayContaining(['data/a.txt', 'etc/new.txt']));
      expect(listed.filter((l) => /shadow|key\.pem/.test(l))).toEqual([]);

      // The pull step says it; rsync never ran for data tonight (no statistics).
      const [pull] = queryCatalog<{ status: string; error: string; details: string }>(
        cfg.stateDir,
        "SELECT status, error, details FROM steps WHERE host = 'main' AND source = 'data' AND step = 'pull' ORDER BY id DESC LIMIT 1",
      );
      expect(pull!.status).toBe('failed');
      expect(JSON.parse(pull!.details)).toMatchObject({ root: 'refused', attempts: 0 });
      expect(JSON.parse(pull!.details).stats).toBeUndefined();

      const status = await cli('status');
      expect(status.exitCode).toBe(1);
      expect(status.stdout).toMatch(/^main\s+data\s+RED/m);
      expect(status.stdout).toContain(`is now a symbolic link to ${elsewhere}`);
    } finally {
      unlinkSync(src.data);
      renameSync(`${src.data}.moved`, src.data);
    }

    // The directory back: the next night pulls it again, its root recorded as looked at.
    const back = await cli('run');
    expect(back.exitCode, back.stdout + back.stderr).toBe(0);
    const [pull] = queryCatalog<{ details: string }>(cfg.stateDir, "SELECT details FROM steps WHERE host = 'main' AND source = 'data' AND step = 'pull' ORDER BY id DESC LIMIT 1");
    expect(JSON.parse(pull!.details)).toMatchObject({ root: 'directory' });
  }, 600_000);
});
