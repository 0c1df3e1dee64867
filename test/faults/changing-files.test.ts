// Files that change or vanish on the main server while rsync sends them (real sshd and rsync; the
// server's rsync slowed down by a wrapper so the changes land mid-transfer, deterministically):
// small files deleted after rsync listed them, a file that shrinks while it is being read (rsync
// then sends it again from its new state), one that shrinks and one that grows while queued. The
// night is a warning, not a failure: recorded on the pull step, the host, the run and in the run
// summary, and the archive is still made. (The unit tests classify the lines one by one.)
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { borgList, CLI_PATH, makeTempDir, registerPid, startSshd, waitFor, writeTestConfig } from '../harness/index.js';
import { slowRsyncPath } from './slow-rsync.js';

describe('files that change or vanish during the pull', () => {
  it('make the night a warning, recorded and summarised, and the archive is still made', async () => {
    const server = await startSshd();
    const root = makeTempDir('changing-');
    const data = join(root, 'data');
    mkdirSync(data);
    // Sent in name order: the big file first (slowly), then the ones the test changes meanwhile.
    writeFileSync(join(data, 'a-big.bin'), randomBytes(3 * 1024 * 1024));
    writeFileSync(join(data, 'b-shrinks.bin'), randomBytes(256 * 1024));
    writeFileSync(join(data, 'c-grows.log'), 'line\n'.repeat(1000));
    for (let i = 0; i < 30; i++) writeFileSync(join(data, `z-${String(i).padStart(3, '0')}.txt`), `file ${i}\n`);
    const slow = slowRsyncPath(root, 1_000_000);
    const cfg = await writeTestConfig({
      global: { rsync: { rsync_path: slow.path, attempts: 1 }, checks: { repository: 'never', archives: 'never' } },
      hosts: [{ name: 'main', server, sources: [{ name: 'data', kind: 'data', path: data }] }],
    });
    slow.slow(true);
    const child = execa(process.execPath, [CLI_PATH, '--config', cfg.configPath, 'run'], { reject: false, stdin: 'ignore', env: { NO_COLOR: '1' } });
    registerPid(child.pid!);
    const mirror = cfg.mirrorPath('main', 'data');
    await waitFor('rsync sending a-big.bin', () => existsSync(mirror) && readdirSync(mirror).some((n) => n.startsWith('.a-big.bin.')), 60_000);
    for (let i = 0; i < 30; i += 2) rmSync(join(data, `z-${String(i).padStart(3, '0')}.txt`));
    truncateSync(join(data, 'b-shrinks.bin'), 1000);
    truncateSync(join(data, 'a-big.bin'), 1024 * 1024);
    appendFileSync(join(data, 'c-grows.log'), 'more\n'.repeat(1000));
    const r = await child;
    slow.slow(false);

    // A warning, not a failure: exit 0, the archive made, the reason in the summary.
    expect(r.exitCode, r.stderr).toBe(0);
    const moving = 'files changed during the transfer: 15 vanished file(s) and 1 file(s) that shrank while being read (sent again from their new state) (rsync exit 23)';
    expect(r.stdout).toMatch(/^main\s+WARNING\s+main-\d{8}T\d{6}Z\s/m);
    expect(r.stdout).toContain(`Problems:\n  main: ${moving}`);
    const db = new Database(join(cfg.stateDir, 'catalog.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT status FROM runs').all()).toEqual([{ status: 'warning' }]);
      expect(db.prepare('SELECT status, archive FROM host_results').get()).toEqual({ status: 'warning', archive: expect.stringMatching(/^main-/) });
      expect(db.prepare("SELECT status, exit_code, error FROM steps WHERE step = 'pull'").get()).toEqual({ status: 'warning', exit_code: 23, error: moving });
    } finally {
      db.close();
    }
    expect(await borgList(cfg.repoPath('main'), cfg.passphraseFile)).toHaveLength(1);
    // The mirror holds what the server had when each file was (re)read: nothing half-copied.
    for (const f of ['a-big.bin', 'b-shrinks.bin', 'c-grows.log']) expect(readFileSync(join(mirror, f)).equals(readFileSync(join(data, f))), f).toBe(true);
    expect(readdirSync(mirror).filter((n) => n.startsWith('z-')).sort()).toEqual(readdirSync(data).filter((n) => n.startsWith('z-')).sort());
  });
});
