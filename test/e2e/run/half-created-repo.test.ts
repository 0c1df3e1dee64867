// Issue 22: a first night SIGKILLed while `borg init` runs leaves a repository directory with a
// config and no manifest. Before: every later night failed with borg's "Repository has no
// manifest." (exit 2) forever, with no advice. Now the next night moves pullback's own half-made
// repository aside (never deleted) and creates it again, saying so; a repository without a manifest
// that held archives is refused with what it means and `borg check --repair`, never replaced.
//
// The kill is made deterministic with the real borg: a `borg` first on PATH runs /usr/bin/borg for
// every command, and for `init` only gives it a BORG_PASSCOMMAND that never answers. borg asks for
// the passphrase after writing the repository's config and before its first commit (the key
// derivation, where a real init spends its time), so the kill lands exactly where a crash would.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { borgList, makeTempDir, queryCatalog, runCli, waitFor, oneFolderHost } from '../../harness/index.js';

/** A PATH directory whose `borg` blocks in `borg init`'s passphrase prompt, writing "<sleep pid> <borg pid>" to `marker`. */
function blockingInitBorg(marker: string): string {
  const dir = makeTempDir('borg-blocks-init-');
  const real = execFileSync('which', ['borg'], { encoding: 'utf8' }).trim();
  const ask = join(dir, 'ask-passphrase');
  writeFileSync(ask, `#!/bin/sh\necho "$$ $PPID" > '${marker}.tmp' && mv '${marker}.tmp' '${marker}'\nexec sleep 3600\n`);
  writeFileSync(join(dir, 'borg'), `#!/bin/sh\nif [ "$1" = init ]; then BORG_PASSCOMMAND='${ask}'; export BORG_PASSCOMMAND; fi\nexec '${real}' "$@"\n`);
  chmodSync(ask, 0o755);
  chmodSync(join(dir, 'borg'), 0o755);
  return dir;
}

const parentOf = (pid: number) => Number(/^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
const kill = (pid: number) => {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
};

describe('a repository left half-made by a killed borg init', () => {
  it('is moved aside and created again by the next night; one without a manifest that held archives is refused', async () => {
    const { server, cfg, run, repo } = await oneFolderHost();

    // The first night, killed (pullback, borg and all, as a crash would) while borg init runs.
    const marker = join(makeTempDir('init-marker-'), 'asked');
    const wrap = blockingInitBorg(marker);
    const first = runCli(['--config', cfg.configPath, 'run'], { env: { PATH: `${wrap}:${process.env.PATH}` } });
    const [sleeper, borg] = (await waitFor('borg init to ask for its passphrase', () => existsSync(marker) && readFileSync(marker, 'utf8').trim(), 100_000)).split(' ').map(Number) as [number, number];
    const pullback = parentOf(borg);
    for (const pid of [pullback, borg, sleeper]) kill(pid);
    const killed = await first;
    // borg sees its lock as stale only once the killed borg is gone (reaped), as after a real crash.
    await waitFor('the killed processes to be gone', () => [pullback, borg, sleeper].every((pid) => !existsSync(`/proc/${pid}`)));
    expect(killed.exitCode, killed.stderr + killed.stdout).not.toBe(0);

    // What it left: a config with the repository's id, no commit, and borg's own verdict.
    expect(existsSync(join(repo, 'config'))).toBe(true);
    expect(readdirSync(repo).filter((f) => /^index\.\d+$/.test(f))).toEqual([]);
    await expect(borgList(repo, cfg.passphraseFile)).rejects.toThrow(/Repository has no manifest\./);

    // The next night: moved aside (kept), created again, archived; said in plain words, exit 0.
    const second = await run('run');
    expect(second.exitCode, second.stderr + second.stdout).toBe(0);
    const asides = () => readdirSync(dirname(repo)).filter((f) => f.startsWith(`${basename(repo)}.incomplete-`));
    const aside = asides();
    expect(aside).toHaveLength(1);
    expect(aside[0]).toMatch(/\.incomplete-\d{8}T\d{6}Z$/);
    expect(second.stdout).toContain(`repository ${repo} was left half-made by a borg init that never finished`);
    expect(second.stdout).toContain(`Moved it aside to ${join(dirname(repo), aside[0]!)} (kept, not deleted`);
    expect(existsSync(join(dirname(repo), aside[0]!, 'config'))).toBe(true);
    expect(await borgList(repo, cfg.passphraseFile)).toHaveLength(1);
    const status = await run('status');
    expect(status.exitCode, status.stderr + status.stdout).toBe(0);

    // The same repository, now holding an archive, loses its manifest (damage: its index and
    // segments are gone): refused with the explanation, never moved or created again.
    for (const f of readdirSync(repo)) if (/^(index|hints|integrity)\.\d+$/.test(f)) rmSync(join(repo, f));
    rmSync(join(repo, 'data'), { recursive: true });
    mkdirSync(join(repo, 'data'));
    await expect(borgList(repo, cfg.passphraseFile)).rejects.toThrow(/Repository has no manifest\./);
    const refused = await run('run');
    expect(refused.exitCode, refused.stderr + refused.stdout).toBe(1);
    expect(refused.stdout).toMatch(/^main\s+FAILED\s+-/m);
    expect(refused.stdout).toContain(`repository ${repo} has no manifest`);
    expect(refused.stdout).toContain('no archive in it can be listed');
    expect(refused.stdout).toContain(`\`borg check --repair ${repo}\``);
    expect(refused.stdout).toContain('docs/operations.md');
    const init = await run('init', '--host', 'main');
    expect(init.exitCode, init.stderr + init.stdout).toBe(1);
    expect(init.stdout).toContain('has no manifest');
    expect(asides()).toEqual(aside);
    expect(existsSync(join(repo, 'config'))).toBe(true);
    expect(queryCatalog<{ n: number }>(cfg.stateDir, "SELECT COUNT(*) AS n FROM archives WHERE host = 'main'")[0]!.n).toBe(1);
    await server.stop();
  });
});
