// The production install: `npm pack` of this checkout (its built dist/), then `npm install -g` of
// the tarball into a temp prefix, from the npm registry, the way docs/operations.md says, then the
// installed `pullback` run from its bin: --version, validate of a config, and schedule --systemd,
// whose ExecStart= names the installed CLI (the runtime finds itself, its gate script and schema
// in the installed package, not in this checkout).
//
// better-sqlite3's install script fetches a prebuilt binary from GitHub, else compiles SQLite
// (minutes on a busy 2-core machine). Where GitHub cannot be reached, the binary this checkout's
// own `npm ci` made is handed to it as a local prebuild (prebuild-install's
// npm_config_better_sqlite3_local_prebuilds); every package still comes from the registry.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { makeTempDir, REPO_ROOT, writeTestConfig } from '../../harness/index.js';

const PKG = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'))) as { version: string; dependencies: Record<string, string> };

describe('npm pack and npm install -g', () => {
  it('installs a working pullback with only Node and the registry', { timeout: 900_000 }, async () => {
    const tmp = makeTempDir('pullback-npm-');
    const env = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
    // dist/ is built by the test run's global set-up: pack it as it is (prepack would build it again).
    const pack = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: REPO_ROOT, env });
    const [info] = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = info!.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['dist/cli/main.js', 'share/remote/pullback-gate', 'dist/schema/pullback-global.schema.json', 'dist/schema/pullback-host.schema.json', 'docs/operations.md', 'docs/configuration.md', 'README.md', 'package.json', 'pullback.example.yaml']));
    expect(files.filter((f) => /^(src|test|scripts|node_modules|soak|bench)\//.test(f) || f.endsWith('.map'))).toEqual([]);

    const prebuilds = join(tmp, 'prebuilds');
    const native = join(REPO_ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
    const stage = join(tmp, 'stage', 'build', 'Release');
    mkdirSync(stage, { recursive: true });
    mkdirSync(prebuilds);
    await execa('cp', [native, stage]);
    const tarball = `better-sqlite3-v${PKG.dependencies['better-sqlite3']}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
    await execa('tar', ['-czf', join(prebuilds, tarball), '-C', join(tmp, 'stage'), 'build']);

    const prefix = join(tmp, 'prefix');
    const started = Date.now();
    const install = await execa('npm', ['install', '-g', '--prefix', prefix, join(tmp, info!.filename)], { cwd: tmp, env: { ...env, npm_config_better_sqlite3_local_prebuilds: prebuilds }, reject: false });
    console.log(`npm install -g: ${Math.round((Date.now() - started) / 1000)} s\n${install.stdout}`);
    expect(install.exitCode, install.stderr).toBe(0);

    const bin = join(prefix, 'bin', 'pullback');
    const installed = join(prefix, 'lib', 'node_modules', 'pullback');
    expect(existsSync(join(installed, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'))).toBe(true);
    const run = (args: string[]) => execa(bin, args, { reject: false, env: { PATH: process.env.PATH, HOME: tmp } });

    const version = await run(['--version']);
    expect(version.stdout).toBe(`pullback ${PKG.version}`);

    const cfg = await writeTestConfig({ hosts: [{ name: 'main', server: { address: '127.0.0.1', port: 22, user: 'nobody' }, sources: [{ name: 'data', kind: 'data', path: '/srv' }] }], global: { schedule: { backup: '0 2 * * *' } } });
    const validate = await run(['--config', cfg.configPath, 'validate']);
    expect(validate.exitCode, validate.stderr).toBe(0);
    expect(validate.stdout).toBe(`${cfg.configPath}: OK (1 host(s), 1 source(s): main)`);

    const units = await run(['--config', cfg.configPath, 'schedule', '--systemd']);
    expect(units.exitCode, units.stderr).toBe(0);
    expect(units.stdout).toContain(`ExecStart=${process.execPath} ${join(installed, 'dist', 'cli', 'main.js')} --config ${cfg.configPath} run`);

    // The catalog (native better-sqlite3) opens from the installed package.
    const status = await run(['--config', cfg.configPath, 'status']);
    expect(status.stderr).not.toMatch(/better_sqlite3|Could not locate the bindings|internal error/);
    expect([0, 1]).toContain(status.exitCode);
  });
});
