// pullback daemon against a real sshd host: a fast schedule (a seconds field) fires a backup by
// itself (an archive in borg, the run in the catalog); a firing while it runs is skipped and
// recorded; SIGTERM in the middle of a pull stops the daemon cleanly: exit 0, the run recorded
// interrupted, no rsync or borg left behind. The pull is held open with a gate fifo on the server's
// rsync (first on the sshd session's PATH), as in run/host-lock.test.ts.
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { chmodSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { borgList, CLI_PATH, makeTempDir, startSshd, writeTestConfig, type SshdServer } from '../../harness/index.js';

let server: SshdServer | undefined;
let gateDir: string;

afterAll(async () => {
  if (gateDir && existsSync(join(gateDir, 'gate.held'))) await execa('tee', [join(gateDir, 'gate.held')], { input: '', timeout: 10_000, reject: false });
  await server?.stop();
});

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 25_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('pullback daemon', () => {
  it('runs a backup by itself, skips an overlapping firing, and stops cleanly on SIGTERM mid-pull', async () => {
    gateDir = makeTempDir('daemon-gate-');
    const bin = join(gateDir, 'bin');
    mkdirSync(bin);
    const [gate, held] = [join(gateDir, 'gate'), join(gateDir, 'gate.held')];
    writeFileSync(join(bin, 'rsync'), `#!/bin/sh\nif mv '${gate}' '${held}' 2>/dev/null; then cat '${held}' >/dev/null; rm -f '${held}'; fi\nexec /usr/bin/rsync "$@"\n`);
    chmodSync(join(bin, 'rsync'), 0o755);
    server = await startSshd({ extraConfig: [`SetEnv PATH=${bin}:/usr/local/bin:/usr/bin:/bin`] });
    const data = makeTempDir('daemon-data-');
    writeFileSync(join(data, 'a.txt'), 'hello\n');
    const cfg = await writeTestConfig({
      hosts: [{ name: 'main', server, sources: [{ name: 'data', kind: 'data', path: data }] }],
      global: { checks: { repository: 'never', archives: 'never' }, schedule: { timezone: 'UTC', backup: '*/2 * * * * *' } },
    });
    const query = <T>(sql: string): T[] => {
      if (!existsSync(join(cfg.stateDir, 'catalog.db'))) return [];
      const db = new Database(join(cfg.stateDir, 'catalog.db'), { readonly: true });
      try {
        return db.prepare(sql).all() as T[];
      } finally {
        db.close();
      }
    };

    const daemon = execa(process.execPath, [CLI_PATH, '--config', cfg.configPath, 'daemon'], { reject: false, stdin: 'ignore', timeout: 60_000, all: true });
    let out = '';
    daemon.all!.on('data', (b: Buffer) => (out += b.toString()));
    try {
      await until('the daemon logs its next firing', () => out.includes('backup next at'));
      // By itself: a backup run finishes ok and its archive is in borg.
      await until('a scheduled backup succeeded', () => query("SELECT 1 FROM runs WHERE kind = 'run' AND status = 'ok'").length > 0);
      // Every archive in borg is a backup the catalog calls ok (on a busy machine another firing may
      // have finished by now: listed first, counted after, so the count can only have grown).
      const archives = await borgList(cfg.repoPath('main'), cfg.passphraseFile);
      const okRuns = query("SELECT 1 FROM runs WHERE kind = 'run' AND status = 'ok'").length;
      expect(archives.length).toBeGreaterThanOrEqual(1);
      expect(archives.length).toBeLessThanOrEqual(okRuns);

      // Hold the next pull open on the server, then stop the daemon in the middle of it.
      await execa('mkfifo', [gate]);
      await until('a pull is held at the gate', () => existsSync(held) && statSync(held).isFIFO());
      await until('a firing during the held run is skipped', () => query("SELECT 1 FROM runs WHERE kind = 'run' AND status = 'skipped'").length > 0);
      daemon.kill('SIGTERM');
      const r = await daemon;
      expect(r.exitCode, out).toBe(0);
      expect(out).toContain('daemon stopped');

      const runs = query<{ status: string; error: string | null; args: string }>("SELECT status, error, args FROM runs WHERE kind = 'run' ORDER BY id");
      const last = runs.filter((x) => x.status !== 'skipped').at(-1)!;
      expect(last.status, JSON.stringify(runs)).toBe('interrupted');
      expect(runs.some((x) => x.status === 'running')).toBe(false);
      const skipped = runs.find((x) => x.status === 'skipped')!;
      expect(skipped.error).toBe('the previous backup is still running');
      expect(JSON.parse(skipped.args)).toMatchObject({ scheduled: 'backup', cron: '*/2 * * * * *' });
      expect(out).toContain('backup skipped: the previous backup is still running');
      // No rsync or borg of this test's state left running.
      const ps = await execa('ps', ['-eo', 'pid=,args=']);
      expect(ps.stdout.split('\n').filter((l) => l.includes(cfg.stateDir) || l.includes(cfg.repoPath('main')))).toEqual([]);
    } finally {
      if (daemon.exitCode === undefined || daemon.exitCode === null) daemon.kill('SIGKILL');
      rmSync(gate, { force: true });
    }
  }, 60_000);
});
