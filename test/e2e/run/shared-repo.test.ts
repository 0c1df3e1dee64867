// Hosts sharing one repository (a path without {host}), backed up at once (concurrency 2): their
// writes to the repository are queued one at a time by pullback (never two borg writers waiting on
// borg's lock), and each host has its own check history, so every host's archives are checked.
import Database from 'better-sqlite3';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { borgList, makeTempDir, runCli, startSshd, writeTestConfig } from '../../harness/index.js';

describe('hosts sharing a repository', () => {
  it('archive one after the other and each get their own archives check', async () => {
    const server = await startSshd();
    const root = makeTempDir('shared-repo-');
    const trees = ['alpha', 'beta'].map((h) => {
      const dir = join(root, h);
      mkdirSync(dir);
      for (let i = 0; i < 200; i++) writeFileSync(join(dir, `f${i}.txt`), `${h} ${i}\n`.repeat(50));
      return dir;
    });
    const cfg = await writeTestConfig({
      global: { repository: { path: join(root, 'borg', 'shared') }, concurrency: 2 },
      hosts: [
        { name: 'alpha', server, sources: [{ name: 'data', kind: 'data', path: trees[0]! }] },
        { name: 'beta', server, sources: [{ name: 'data', kind: 'data', path: trees[1]! }] },
      ],
    });
    const r = await runCli(['--config', cfg.configPath, 'run']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const archives = await borgList(join(root, 'borg', 'shared'), cfg.passphraseFile);
    expect(archives.map((a) => a.replace(/-\d{8}T\d{6}Z$/, '')).sort()).toEqual(['alpha', 'beta']);

    const db = new Database(join(cfg.stateDir, 'catalog.db'), { readonly: true });
    const writes = db
      .prepare("SELECT host, step, started_at AS s, ended_at AS e FROM steps WHERE step IN ('archive', 'prune', 'compact', 'check') ORDER BY started_at")
      .all() as Array<{ host: string; step: string; s: string; e: string }>;
    const history = db.prepare('SELECT host, kind, status FROM check_history ORDER BY kind, host').all();
    db.close();
    // No two repository writers at once: each step starts after the one before it ended.
    for (let i = 1; i < writes.length; i++) expect(writes[i]!.s >= writes[i - 1]!.e, JSON.stringify(writes)).toBe(true);
    expect(new Set(writes.map((w) => w.host))).toEqual(new Set(['alpha', 'beta']));
    // The repository check once for the repository; the archives check for each host.
    expect(history).toEqual([
      { host: 'alpha', kind: 'archives', status: 'ok' },
      { host: 'beta', kind: 'archives', status: 'ok' },
      { host: '', kind: 'repository', status: 'ok' },
    ]);
    await server.stop();
  });
});
