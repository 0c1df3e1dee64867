// A database source whose dump fails on the host's first night: there is no earlier copy of it, so
// it is left out of the archive. The summary and the archive's comment say so (never "its mirror as
// last pulled": nothing was ever pulled), and borg is given only folders that exist, so the archive
// of the other source is made without a warning about a missing path.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../../src/archive/manifest.js';
import { borgExtract, borgList, makeTempDir, runBorg, runCli, startSshd, writeTestConfig } from '../../harness/index.js';

describe("a dump source failing on the host's first night", () => {
  it('is left out with a truthful comment; borg warns about no missing path', async () => {
    const server = await startSshd();
    const root = makeTempDir('first-night-dump-');
    mkdirSync(join(root, 'files'));
    writeFileSync(join(root, 'files', 'a.txt'), 'a\n');
    const cfg = await writeTestConfig({
      global: { checks: { repository: 'never', archives: 'never' } },
      hosts: [
        {
          name: 'main',
          server,
          sources: [
            // sqlite3 cannot open a database file that is not there: the dump fails on the server.
            { name: 'db', kind: 'database', path: join(root, 'dumps'), dump: { engine: 'sqlite', databases: [join(root, 'missing.db')] } },
            { name: 'files', kind: 'data', path: join(root, 'files') },
          ],
        },
      ],
    });
    const r = await runCli(['--config', cfg.configPath, 'run']);
    const out = r.stdout + r.stderr;
    expect(r.exitCode, out).toBe(1);
    expect(r.stdout).toMatch(/^main\s+FAILED\s+main-\d{8}T\d{6}Z \(partial\)/m);
    expect(r.stdout).toContain("main: db: no earlier copy: left out of tonight's archive");
    expect(out).not.toMatch(/borg finished with warnings|last pulled/);
    // The dump's own error names the missing database file; borg must not warn about a missing path.
    const borgLines = out.split('\n').filter((l) => /borg (create|finished)/.test(l));
    expect(borgLines.join('\n')).not.toMatch(/No such file or directory/);
    // What borg create was given: the log file has every command (the terminal only failed ones).
    const logged = readdirSync(join(cfg.stateDir, 'logs')).flatMap((f) => readFileSync(join(cfg.stateDir, 'logs', f), 'utf8').split('\n'));
    expect(logged.find((l) => l.includes('"command finished"') && l.includes('"cmd":"borg create'))).toMatch(/ -- files \.pullback\/manifest\.json/);

    const repo = cfg.repoPath('main');
    const [archive] = await borgList(repo, cfg.passphraseFile);
    const info = await runBorg(['info', '--json', `${repo}::${archive}`], cfg.passphraseFile);
    expect(JSON.parse(info.stdout).archives[0].comment).toBe('partial: failed db (dump; no earlier copy: left out)');
    const x = makeTempDir('first-night-extract-');
    await borgExtract(repo, archive!, x, cfg.passphraseFile, ['.pullback/manifest.json']);
    const manifest = JSON.parse(readFileSync(join(x, '.pullback', 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.sources.find((s) => s.name === 'db')).toMatchObject({ status: 'failed', failed: { step: 'dump' } });
    const items = (await runBorg(['list', '--short', `${repo}::${archive}`], cfg.passphraseFile)).stdout.split('\n').filter(Boolean);
    expect(items.filter((i) => i === 'db' || i.startsWith('db/'))).toEqual([]);
    expect(items).toContain('files/a.txt');
  }, 300_000);
});
