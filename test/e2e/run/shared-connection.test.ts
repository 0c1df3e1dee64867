// One login per night for the pulls: the probe and the pull of every source attach to one OpenSSH
// master (tools/ssh/mux.ts) that dies with the run; a master that is gone mid-night costs a login
// per rsync again, never a failure.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffTrees, makeTempDir, runCli, startSshd, writeTestConfig } from '../../harness/index.js';

const logins = (log: string) => (log.match(/Accepted publickey for /g) ?? []).length;

describe('the shared SSH connection of a night', () => {
  it('pulls three sources over one login (plus the preflight), leaves no ssh and no socket behind', async () => {
    const server = await startSshd({ logLevel: 'INFO' });
    const root = makeTempDir('main-server-');
    const names = ['one', 'two', 'three'];
    for (const n of names) {
      mkdirSync(join(root, n, 'sub dir'), { recursive: true });
      for (let i = 0; i < 5; i++) writeFileSync(join(root, n, 'sub dir', `f${i}.txt`), `${n} ${i}\n`);
    }
    const cfg = await writeTestConfig({ hosts: [{ name: 'main', server, sources: names.map((n) => ({ name: n, kind: 'data', path: join(root, n) })) }] });
    const tmp = makeTempDir('mux-tmp-');
    const before = logins(server.log);
    const r = await runCli(['--config', cfg.configPath, 'run'], { env: { TMPDIR: tmp } });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    // The preflight (its own ssh2 connection) and the master: not 1 + 2 per source.
    expect(logins(server.log) - before).toBe(2);
    for (const n of names) expect(await diffTrees(join(root, n), join(cfg.stateDir, 'mirror', 'main', n))).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
    expect(spawnSync('pgrep', ['-f', tmp]).status, 'an ssh master outlived the run').toBe(1);

    // A second night after a change: again one login for every pull.
    writeFileSync(join(root, 'two', 'new.txt'), 'new\n');
    const mid = logins(server.log);
    const r2 = await runCli(['--config', cfg.configPath, 'run'], { env: { TMPDIR: tmp } });
    expect(r2.exitCode, r2.stdout + r2.stderr).toBe(0);
    expect(logins(server.log) - mid).toBe(2);
    expect(await diffTrees(join(root, 'two'), join(cfg.stateDir, 'mirror', 'main', 'two'))).toEqual([]);
  });
});
