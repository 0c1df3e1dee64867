// The nightly job end to end: real sshd, rsync and borg; archives identical to the source.
import { mkdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { borgExtract, borgList, diffTrees, makeTempDir, nextSecond, runCli, startSshd, writeNastyTree, writeTestConfig } from '../../harness/index.js';

describe('pullback run', () => {
  it('archives three sources byte-identical, then only the change on a second run', async () => {
    const server = await startSshd();
    const root = makeTempDir('main-server-');
    const src = { db: join(root, 'db dumps'), blobs: join(root, 'blobs'), data: join(root, '-data é') };
    for (const p of Object.values(src)) mkdirSync(p, { recursive: true });
    writeFileSync(join(src.db, 'app.sql'), '--\n-- PostgreSQL database dump\n--\n\ncreate table t(x int);\n\n--\n-- PostgreSQL database dump complete\n--\n');
    writeNastyTree(src.blobs);
    writeNastyTree(src.data);
    writeFileSync(join(src.data, 'skip.tmp'), 'excluded');
    const cfg = await writeTestConfig({
      hosts: [
        {
          name: 'main',
          server,
          sources: [
            { name: 'db', kind: 'database', path: src.db, max_age: '1d' },
            { name: 'blobs', kind: 'blobs', path: src.blobs },
            { name: 'data', kind: 'data', path: src.data, exclude: ['*.tmp'] },
          ],
        },
      ],
    });

    const first = await runCli(['--config', cfg.configPath, 'run']);
    expect(first.exitCode, first.stderr + first.stdout).toBe(0);
    expect(first.stdout).toContain('main');
    const archives1 = await borgList(cfg.repoPath('main'), cfg.passphraseFile);
    expect(archives1).toHaveLength(1);

    const x1 = makeTempDir('extract-');
    await borgExtract(cfg.repoPath('main'), archives1[0]!, x1, cfg.passphraseFile);
    expect(diffTrees(src.db, join(x1, 'db'))).toEqual([]);
    expect(diffTrees(src.blobs, join(x1, 'blobs'))).toEqual([]);
    rmSync(join(src.data, 'skip.tmp'));
    expect(diffTrees(src.data, join(x1, 'data'))).toEqual([]);
    writeFileSync(join(src.data, 'skip.tmp'), 'excluded');

    // Change: add, modify, delete.
    writeFileSync(join(src.data, 'new file.txt'), 'new\n');
    appendFileSync(join(src.blobs, 'nested', 'deeper', 'deepest', 'leaf.txt'), 'more\n');
    rmSync(join(src.data, 'empty-file'));
    await nextSecond(); // archive names have one-second resolution
    const second = await runCli(['--config', cfg.configPath, 'run']);
    expect(second.exitCode, second.stderr + second.stdout).toBe(0);

    const list = await runCli(['--config', cfg.configPath, 'list', '--host', 'main', '--json']);
    expect(list.exitCode, list.stderr).toBe(0);
    const parsed = JSON.parse(list.stdout) as { hosts: Array<{ host: string; archives: Array<{ name: string }> }> };
    expect(parsed.hosts[0]!.archives).toHaveLength(2);
    const x2 = makeTempDir('extract-');
    await borgExtract(cfg.repoPath('main'), parsed.hosts[0]!.archives[1]!.name, x2, cfg.passphraseFile);
    rmSync(join(src.data, 'skip.tmp'));
    expect(diffTrees(src.data, join(x2, 'data'))).toEqual([]);
    expect(diffTrees(src.blobs, join(x2, 'blobs'))).toEqual([]);
    await server.stop();
  });
});
