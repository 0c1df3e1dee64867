// Issue 9: a repository that is missing (backup disk not mounted) or not the one recorded (another
// disk mounted) fails the host loudly; nothing is created. Only `pullback init` creates one again.
import { existsSync, mkdirSync, renameSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { borgList, runBorg, oneFolderHost } from '../../harness/index.js';

describe('a repository that goes missing or is swapped', () => {
  it('fails run, check, prune, list and drill, creates nothing, and init creates or adopts deliberately', async () => {
    // No checks in the nightly runs: this test is about opening the repository, and stays quick.
    const { server, cfg, run, repo } = await oneFolderHost();

    const first = await run('run');
    expect(first.exitCode, first.stderr + first.stdout).toBe(0);
    const archives = await borgList(repo, cfg.passphraseFile);
    expect(archives).toHaveLength(1);

    // The backup disk is "unmounted": the repository directory is gone.
    renameSync(repo, `${repo}.away`);
    const missing = await run('run');
    expect(missing.exitCode, missing.stderr + missing.stdout).toBe(1);
    expect(missing.stdout).toMatch(/^main\s+FAILED\s+-/m);
    expect(missing.stdout).toContain(`repository ${repo} missing: is the backup disk mounted?`);
    expect(missing.stdout).toContain('`pullback init --host main` creates a new, empty repository deliberately');
    expect(existsSync(repo), 'run created a repository on the unmounted path').toBe(false);

    // An empty mount point is no repository either; the read paths fail the same way, creating nothing.
    mkdirSync(repo);
    for (const cmd of [['check'], ['prune'], ['list'], ['drill', '--host', 'main']]) {
      const r = await run(...cmd);
      expect(r.exitCode, `${cmd.join(' ')}: ${r.stderr}${r.stdout}`).toBe(1);
      expect(r.stdout + r.stderr, cmd.join(' ')).toContain(`repository ${repo} missing: is the backup disk mounted?`);
    }
    expect(existsSync(join(repo, 'config'))).toBe(false);
    rmdirSync(repo);

    // Mounted again: all is well, the history is there.
    renameSync(`${repo}.away`, repo);
    const back = await run('run');
    expect(back.exitCode, back.stderr + back.stdout).toBe(0);
    expect(await borgList(repo, cfg.passphraseFile)).toHaveLength(2);

    // Another (empty) repository at the same path: a different borg id, refused.
    renameSync(repo, `${repo}.away`);
    await runBorg(['init', '--encryption', 'repokey-blake2', repo], cfg.passphraseFile);
    const swapped = await run('run');
    expect(swapped.exitCode, swapped.stderr + swapped.stdout).toBe(1);
    expect(swapped.stdout).toContain(`repository ${repo} is not the one pullback has been using`);
    expect(await borgList(repo, cfg.passphraseFile)).toEqual([]);

    // The operator means it: init adopts the repository now there, and the next run archives into it.
    const init = await run('init', '--host', 'main');
    expect(init.exitCode, init.stderr + init.stdout).toBe(0);
    expect(init.stdout).toMatch(/^main\s+\S+\s+adopted: borg id/m);
    const adopted = await run('run');
    expect(adopted.exitCode, adopted.stderr + adopted.stdout).toBe(0);
    expect(await borgList(repo, cfg.passphraseFile)).toHaveLength(1);

    // And with no repository at all, init creates one.
    renameSync(repo, `${repo}.second`);
    const created = await run('init', '--host', 'main');
    expect(created.exitCode, created.stderr + created.stdout).toBe(0);
    expect(created.stdout).toMatch(/^main\s+\S+\s+created \(borg id/m);
    expect(existsSync(join(repo, 'config'))).toBe(true);
    const fresh = await run('run');
    expect(fresh.exitCode, fresh.stderr + fresh.stdout).toBe(0);
    await server.stop();
  });
});
