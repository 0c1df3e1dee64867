// A second run transfers only the change; the identity and known_hosts paths may hold spaces,
// quotes and %; the borg passphrase never reaches logs, output, argv or a child's environment.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { borgList, clientKey, makeTempDir, nextSecond, runCli, startSshd, watchProcesses, writeTestConfig } from '../../harness/index.js';

interface StepRow {
  source: string;
  status: string;
  bytes: number;
  files: number;
}

function pullSteps(stateDir: string, runId: number): Record<string, StepRow> {
  const db = new Database(join(stateDir, 'catalog.db'), { readonly: true });
  try {
    const rows = db.prepare("SELECT source, status, bytes, files FROM steps WHERE run_id = ? AND step = 'pull'").all(runId) as StepRow[];
    return Object.fromEntries(rows.map((r) => [r.source, r]));
  } finally {
    db.close();
  }
}

describe('pullback run, twice', () => {
  it('pulls only the change the second time, over an identity path with space, quote and %', async () => {
    const server = await startSshd();
    const root = makeTempDir('main-server-');
    const src = { blobs: join(root, 'blobs'), data: join(root, 'data') };
    for (const p of Object.values(src)) mkdirSync(p, { recursive: true });
    for (let i = 0; i < 20; i++) writeFileSync(join(src.blobs, `blob-${i}.bin`), randomBytes(64 * 1024));
    for (let i = 0; i < 10; i++) writeFileSync(join(src.data, `file-${i}.txt`), `line ${i}\n`.repeat(2000));

    const dir = makeTempDir('pullback-config-');
    const keys = join(dir, `keys it's "ours" 100%h`);
    mkdirSync(keys);
    const identity = join(keys, 'id key');
    copyFileSync((await clientKey()).privateKeyPath, identity);
    const knownHosts = join(keys, 'known hosts');
    writeFileSync(knownHosts, `${server.knownHostsLine}\n`);
    const cfg = await writeTestConfig({
      dir,
      global: { ssh: { identity_file: identity, known_hosts: knownHosts } },
      hosts: [
        {
          name: 'main',
          server,
          sources: [
            { name: 'blobs', kind: 'blobs', path: src.blobs },
            { name: 'data', kind: 'data', path: src.data },
          ],
        },
      ],
    });
    const passphrase = readFileSync(cfg.passphraseFile, 'utf8').trim();

    const first = await runCli(['--config', cfg.configPath, '--log-level', 'debug', 'run']);
    expect(first.exitCode, first.stderr + first.stdout).toBe(0);

    writeFileSync(join(src.data, 'added.txt'), 'a small addition\n');
    appendFileSync(join(src.data, 'file-3.txt'), 'one more line\n');
    await nextSecond(); // archive names have one-second resolution
    const { result: second, seen } = await watchProcesses(runCli(['--config', cfg.configPath, '--log-level', 'debug', 'run']));
    expect(second.exitCode, second.stderr + second.stdout).toBe(0);

    const run1 = pullSteps(cfg.stateDir, 1);
    const run2 = pullSteps(cfg.stateDir, 2);
    expect(run1.blobs).toMatchObject({ status: 'ok', files: 20 });
    expect(run1.data).toMatchObject({ status: 'ok', files: 10 });
    expect(run1.blobs!.bytes).toBeGreaterThan(20 * 64 * 1024);
    // Second run: nothing of blobs, the two changed files of data, and a small fraction of the bytes.
    expect(run2.blobs).toMatchObject({ status: 'ok', files: 0 });
    expect(run2.data).toMatchObject({ status: 'ok', files: 2 });
    expect(run2.blobs!.bytes).toBeLessThan(4096);
    expect(run2.data!.bytes).toBeLessThan(run1.data!.bytes / 4);
    expect(await borgList(cfg.repoPath('main'), cfg.passphraseFile)).toHaveLength(2);

    // The secret: not in any log, output, catalog, argv or child environment.
    const logs = readdirSync(join(cfg.stateDir, 'logs'));
    expect(logs.length).toBeGreaterThan(0);
    for (const f of logs) expect(readFileSync(join(cfg.stateDir, 'logs', f), 'utf8'), f).not.toContain(passphrase);
    for (const out of [first.stdout, first.stderr, second.stdout, second.stderr]) expect(out).not.toContain(passphrase);
    expect(readFileSync(join(cfg.stateDir, 'catalog.db')).includes(passphrase)).toBe(false);
    const borgSeen = [...seen.keys()].filter((c) => c.split('\0').some((a) => a.endsWith('borg')));
    expect(borgSeen.length, 'the sampler saw borg running').toBeGreaterThan(0);
    for (const [cmd, env] of seen) {
      expect(cmd, cmd.replace(/\0/g, ' ')).not.toContain(passphrase);
      expect(env, `environment of ${cmd.replace(/\0/g, ' ')}`).not.toContain(passphrase);
    }
    await server.stop();
  });
});
