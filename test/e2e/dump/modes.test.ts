// Dumps and everything pullback keeps locally are private: the dump and its metadata are written
// 0600 on the server (the tool writes into a file created 0600), and the state directory, mirror
// top, logs and catalog are 0700/0600 here, also when the state directory existed as 0755.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, runCli, startSshd, writeTestConfig, type TestConfig } from '../../harness/index.js';
import { makeSqliteSource } from './fixtures.js';

let cfg: TestConfig;
let dumpDir: string;
const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

beforeAll(async () => {
  const server = await startSshd();
  const root = makeTempDir('dump-modes');
  dumpDir = join(root, 'dumps');
  makeSqliteSource(join(root, 'app.db'), 20);
  cfg = await writeTestConfig({
    global: { checks: { repository: 'never', archives: 'never' } },
    hosts: [{ name: 'main', server, sources: [{ name: 'db', kind: 'database' as const, path: dumpDir, dump: { engine: 'sqlite', databases: [join(root, 'app.db')] } }] }],
  });
  const r = await runCli(['--config', cfg.configPath, 'run']);
  expect(r.exitCode, r.stdout + r.stderr).toBe(0);
});

describe('file modes', () => {
  it('the dump and its metadata are 0600 on the server', () => {
    const files = readdirSync(dumpDir);
    expect(files.some((f) => f.endsWith('.sqlite'))).toBe(true);
    expect(files.some((f) => f.endsWith('.meta.json'))).toBe(true);
    for (const f of files) expect([f, mode(join(dumpDir, f))]).toEqual([f, '600']);
  });

  it('the state directory, mirror top, logs and catalog are private; the mirror keeps the dump 0600', () => {
    const s = cfg.stateDir;
    expect(mode(s)).toBe('700');
    expect(mode(join(s, 'mirror'))).toBe('700');
    expect(mode(join(s, 'mirror', 'main'))).toBe('700');
    expect(mode(join(s, 'logs'))).toBe('700');
    for (const f of readdirSync(join(s, 'logs'))) expect([f, mode(join(s, 'logs', f))]).toEqual([f, '600']);
    for (const f of readdirSync(s).filter((n) => n.startsWith('catalog.db'))) expect([f, mode(join(s, f))]).toEqual([f, '600']);
    for (const f of readdirSync(join(s, 'mirror', 'main', 'db'))) expect([f, mode(join(s, 'mirror', 'main', 'db', f))]).toEqual([f, '600']);
  });
});
