// A source's folder in the mirror left half-updated by a pull that was killed (SIGKILL of the run,
// mid-transfer: real rsync, real sshd) is never archived as the source's "last good state" on a
// later night when the source fails without touching it: the catalog records it dirty from before
// the pull wrote to it. Without an earlier archive of the source it is left out of the archive (and
// the output and the archive's comment say why); with one, the folder is put back from it first.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/archive/manifest.js';
import { borgExtract, borgList, CLI_PATH, makeTempDir, registerPid, runBorg, runCli, startSshd, waitFor, writeTestConfig, type TestConfig } from '../harness/index.js';
import { slowRsyncPath, type SlowRsync } from './slow-rsync.js';

let cfg: TestConfig;
let root: string;
let data: string;
let slow: SlowRsync;
const cli = (...a: string[]) => runCli(['--config', cfg.configPath, ...a]);

beforeAll(async () => {
  const server = await startSshd();
  root = makeTempDir('dirty-mirror-');
  data = join(root, 'data');
  mkdirSync(data);
  mkdirSync(join(root, 'other'));
  writeFileSync(join(root, 'other', 'o.txt'), 'other\n');
  slow = slowRsyncPath(root, 1_000_000);
  cfg = await writeTestConfig({
    global: { rsync: { rsync_path: slow.path, attempts: 1 }, checks: { repository: 'never', archives: 'never' } },
    hosts: [{ name: 'main', server, sources: [{ name: 'data', kind: 'data', path: data }, { name: 'other', kind: 'data', path: join(root, 'other') }] }],
  });
  // The repository exists before the killed night: a first night creates it (borg init) while it
  // pulls, and the SIGKILL meant for the pull must not land in borg init instead (seen on a loaded machine).
  const init = await cli('init');
  expect(init.exitCode, init.stdout + init.stderr).toBe(0);
});

/** Writes the source: small files `a-*` (rsync sends them first), then a big one it is killed in. */
function writeSource(version: string): void {
  for (let i = 0; i < 10; i++) writeFileSync(join(data, `a-${i}.txt`), `${version} ${i}\n`);
  writeFileSync(join(data, 'z-big.bin'), randomBytes(4 * 1024 * 1024));
}

/** A run SIGKILLed while rsync writes the big file of `data` into the mirror (the small ones are in). */
async function killedMidPull(): Promise<void> {
  slow.slow(true);
  try {
    const child = execa(process.execPath, [CLI_PATH, '--config', cfg.configPath, 'run'], { reject: false, stdin: 'ignore', env: { NO_COLOR: '1' }, timeout: 100_000 });
    registerPid(child.pid!);
    const mirror = cfg.mirrorPath('main', 'data');
    await waitFor('rsync writing z-big.bin into the mirror', () => existsSync(mirror) && readdirSync(mirror).some((n) => n.startsWith('.z-big.bin.')), 90_000);
    child.kill('SIGKILL');
    await child;
  } finally {
    slow.slow(false);
  }
}

async function newestManifest(): Promise<{ name: string; manifest: Manifest; items: string[] }> {
  const repo = cfg.repoPath('main');
  const name = (await borgList(repo, cfg.passphraseFile)).at(-1)!;
  const x = makeTempDir('dirty-extract-');
  await borgExtract(repo, name, x, cfg.passphraseFile, ['.pullback/manifest.json']);
  const manifest = JSON.parse(readFileSync(join(x, '.pullback', 'manifest.json'), 'utf8')) as Manifest;
  const items = (await runBorg(['list', '--short', `${repo}::${name}`], cfg.passphraseFile)).stdout.split('\n').filter(Boolean);
  return { name, manifest, items };
}

describe('a mirror folder left half-updated by a killed pull', () => {
  it('first pull killed, next night the source fails outright: left out, never kept', async () => {
    writeSource('v1');
    await killedMidPull();
    const mirror = cfg.mirrorPath('main', 'data');
    expect(readdirSync(mirror).filter((n) => n.startsWith('a-')).length).toBeGreaterThan(0);
    expect(existsSync(join(mirror, 'z-big.bin'))).toBe(false);

    // The source is gone tonight: the pull fails without writing to the mirror.
    renameSync(data, `${data}.away`);
    const r = await cli('run');
    renameSync(`${data}.away`, data);
    const out = r.stdout + r.stderr;
    expect(r.exitCode, out).toBe(1);
    expect(r.stdout).toContain("main: data: no earlier copy, and its mirror may be half-updated: left out of tonight's archive");
    const { manifest, items } = await newestManifest();
    expect(manifest.sources.find((s) => s.name === 'data')).toMatchObject({ status: 'failed' });
    expect(manifest.partial?.comment).toBe('partial: failed data (pull; no earlier copy, and its mirror may be half-updated: left out)');
    expect(items.filter((i) => i === 'data' || i.startsWith('data/'))).toEqual([]);
    expect(items).toContain('other/o.txt');
    expect(out).not.toMatch(/borg finished with warnings/);
  }, 300_000);

  it('with an earlier archive of it: the half-updated folder is put back from that archive before it is kept', async () => {
    const good = await cli('run');
    expect(good.exitCode, good.stdout + good.stderr).toBe(0);
    const { name: lastGood } = await newestManifest();
    expect(readFileSync(join(cfg.mirrorPath('main', 'data'), 'a-0.txt'), 'utf8')).toBe('v1 0\n');

    writeSource('v2');
    await killedMidPull();
    expect(readFileSync(join(cfg.mirrorPath('main', 'data'), 'a-0.txt'), 'utf8')).toBe('v2 0\n');

    renameSync(data, `${data}.away`);
    const r = await cli('run');
    renameSync(`${data}.away`, data);
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    const { manifest } = await newestManifest();
    expect(manifest.sources.find((s) => s.name === 'data')).toMatchObject({ status: 'kept', failed: { keptFrom: lastGood } });
    // The folder archived (and left in the mirror) is the last good one, not the half-updated one.
    expect(readFileSync(join(cfg.mirrorPath('main', 'data'), 'a-0.txt'), 'utf8')).toBe('v1 0\n');
  }, 300_000);
});
