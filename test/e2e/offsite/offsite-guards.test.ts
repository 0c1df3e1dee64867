// Issue 13, the guards of the off-site copies (real rclone to a local-path remote; the other kinds
// of target are in offsite.test.ts): once copies exist, a local repository wiped of its archives,
// damaged, or replaced by a re-initialised one is never synced over the copy, and says why.
import { closeSync, openSync, readdirSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeTempDir, runBorg, runCli, startSshd, writeNastyTree, writeTestConfig } from '../../harness/index.js';

const listing = (dir: string): string[] => {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const n of readdirSync(d).sort()) {
      const st = statSync(join(d, n));
      if (st.isDirectory()) walk(join(d, n), `${rel}${n}/`);
      else out.push(`${rel}${n} ${st.size} ${st.mtimeMs}`);
    }
  };
  walk(dir, '');
  return out;
};

describe('off-site copies: the guards', () => {
  it('refuse to sync a wiped, a damaged and a re-initialised local repository over the copy', async () => {
    const server = await startSshd();
    const root = makeTempDir('main-server-');
    writeNastyTree(join(root, 'files'), { bigFileBytes: 256 * 1024 });
    const localDir = makeTempDir('offsite-local-');
    const cfg = await writeTestConfig({
      hosts: [{ name: 'main', server, sources: [{ name: 'files', kind: 'data', path: join(root, 'files') }] }],
      global: { offsite: [{ name: 'near', rclone: join(localDir, '{host}'), max_shrink: '30%' }] },
    });
    const cli = (...a: string[]) => runCli(['--config', cfg.configPath, ...a]);
    const repo = cfg.repoPath('main');

    // Nights 1 and 2, the second with new data: copied (offsite.test.ts checks the copies themselves).
    const n1 = await cli('run');
    expect(n1.exitCode, n1.stdout + n1.stderr).toBe(0);
    writeFileSync(join(root, 'files', 'big.bin'), randomBytes(256 * 1024));
    const n2 = await cli('run');
    expect(n2.exitCode, n2.stdout + n2.stderr).toBe(0);
    expect(readdirSync(join(localDir, 'main'))).toContain('config');

    // Night 3: someone deleted every archive of the local repository and compacted it. The run
    // archives again, but the repository is far smaller than the last copy: the rclone target refuses.
    const localBefore = listing(join(localDir, 'main'));
    await runBorg(['delete', '--glob-archives', 'main-*', repo], cfg.passphraseFile);
    await runBorg(['compact', repo], cfg.passphraseFile);
    const n3 = await cli('run');
    expect(n3.exitCode, n3.stdout + n3.stderr).toBe(1);
    expect(n3.stdout).toMatch(/off-site near: refused to sync .* the local repository shrank by \d+% since the last copy/);
    expect(listing(join(localDir, 'main'))).toEqual(localBefore);

    // Night 4: a damaged segment: the check fails and nothing is copied anywhere.
    const segs = readdirSync(join(repo, 'data', '0')).map((n) => join(repo, 'data', '0', n)).sort((a, b) => statSync(b).size - statSync(a).size);
    const fd = openSync(segs[0]!, 'r+');
    writeSync(fd, Buffer.alloc(64, 0xff), 0, 64, Math.floor(statSync(segs[0]!).size / 2));
    closeSync(fd);
    const n4 = await cli('run');
    expect(n4.exitCode, n4.stdout + n4.stderr).toBe(1);
    expect(n4.stdout).toContain("not copied off-site: tonight's check of the repository failed (a damaged repository is never copied)");
    expect(listing(join(localDir, 'main'))).toEqual(localBefore);

    // Night 5: the damaged repository is replaced by a new, empty one (pullback init, deliberately or
    // not): a different borg repository never replaces the copy's history.
    rmSync(repo, { recursive: true, force: true });
    expect((await cli('init', '--host', 'main')).exitCode).toBe(0);
    const n5 = await cli('run');
    expect(n5.exitCode, n5.stdout + n5.stderr).toBe(1);
    expect(n5.stdout).toMatch(/off-site near: refused to sync .*: the off-site copy is borg repository \w+, the local one is \w+ \(re-initialised or swapped\)/);
    expect(listing(join(localDir, 'main'))).toEqual(localBefore);
  }, 300_000);
});
