// Issue 22 leftover: the SHA-256 a night recorded for a dump (archive manifest) is compared with the
// staged copy a restore would load, after extraction and before anything changes. An archive whose
// manifest records another SHA-256 than its dump's (made with real borg: extracted, the manifest
// edited, re-created under its name) is refused with nothing changed, naming the file.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMariaDatabase, makeTempDir, mariadb, MARIA, runBorg, runCli, startSshd, writeTestConfig } from '../../harness/index.js';
import { catalogRestores } from './setup.js';

const SLOW_MS = 600_000;

describe('pullback restore: a dump that is not the one recorded at night', () => {
  it('is refused before anything changes, naming the file and both digests', async () => {
    const server = await startSshd();
    const maria = await createMariaDatabase('pbdigest');
    await mariadb(maria, 'CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1), (2), (3);');
    const dir = join(makeTempDir('digest-'), 'dumps');
    mkdirSync(dir);
    execFileSync('mariadb-dump', ['-h', MARIA.host, '-u', MARIA.user, '--single-transaction', `--result-file=${join(dir, 'app.sql')}`, maria]);
    const cfg = await writeTestConfig({ hosts: [{ name: 'main', server, sources: [{ name: 'db', kind: 'database', path: dir, database: maria }] }] });
    const cli = (...args: string[]) => runCli(['--config', cfg.configPath, ...args], { timeoutMs: SLOW_MS });
    const night = await cli('run', '--host', 'main');
    expect(night.exitCode, night.stderr + night.stdout).toBe(0);

    const repo = cfg.repoPath('main');
    const [archive] = (await runBorg(['list', '--short', repo], cfg.passphraseFile)).stdout.split('\n').filter(Boolean);
    const tree = makeTempDir('digest-archive-');
    await runBorg(['extract', '--numeric-ids', `${repo}::${archive}`], cfg.passphraseFile, tree);
    const manifestFile = join(tree, '.pullback', 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { sources: Array<{ dumps?: Array<{ file: string; sha256: string }> }> };
    const dump = manifest.sources.flatMap((s) => s.dumps ?? [])[0]!;
    const recorded = 'ab'.repeat(32);
    const actual = dump.sha256;
    dump.sha256 = recorded;
    writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
    await runBorg(['delete', `${repo}::${archive}`], cfg.passphraseFile);
    await runBorg(['create', '--numeric-ids', `${repo}::${archive}`, 'db', '.pullback'], cfg.passphraseFile, tree);

    await mariadb(maria, 'DELETE FROM t WHERE id = 3');
    const r = await cli('restore', '--host', 'main', '--yes');
    expect(r.exitCode, r.stderr + r.stdout).toBe(1);
    expect(r.stdout).toContain(`NOT the dump recorded at night`);
    expect(r.stdout).toContain(`db/${dump.file}: SHA-256 of the extracted copy ${actual.slice(0, 16)}…, recorded at night ${recorded.slice(0, 16)}…`);
    expect(r.stdout + r.stderr).toMatch(/nothing (was )?changed/i);
    // Nothing changed: the row deleted after the night is still missing, no step ran.
    expect(await mariadb(maria, 'SELECT COUNT(*) FROM t')).toBe('2');
    const { steps } = catalogRestores(cfg);
    expect(steps.length, JSON.stringify(steps)).toBeGreaterThan(0);
    expect(steps.filter((s) => s.kind !== 'readiness' && s.started_at !== null), JSON.stringify(steps)).toEqual([]);
  }, SLOW_MS);
});
