// SIGINT while a source's dumps are taken: pullback starts no new remote command after the signal
// (only the kill of the one running, by its process group), and the dump step, the host and the
// run are recorded interrupted, never ok or failed. The real sshd runs every command through a
// forced command that logs it before running it (the server's own record of what it was asked to
// run), and the server's sqlite3 or sha256sum (first on the session's PATH) waits when told to:
// once in the dump itself (a command given the signal), once in its checksum (the step after it).
import { execa } from 'execa';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI_PATH, makeTempDir, queryCatalog, registerPid, startSshd, waitFor, writeTestConfig, type TestConfig } from '../../harness/index.js';
import { makeSqliteSource } from '../dump/fixtures.js';

let cfg: TestConfig;
let dir: string;
const commandLog = () => join(dir, 'commands.log');
const SIGNAL_LINE = '--- SIGINT sent ---';

beforeAll(async () => {
  dir = makeTempDir('interrupt-dump-');
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  // Test fixtures on the "main server": each program waits (in its own process group, which a kill
  // of the group ends) when its flag file exists, after saying so; otherwise it is the real one.
  const waiting = (prog: string, when: string) =>
    `#!/bin/sh\ncase "$*" in ${when}) if [ -e '${dir}/slow-${prog}' ]; then : > '${dir}/started-${prog}'; sleep 60; fi;; esac\nexec /usr/bin/${prog} "$@"\n`;
  writeFileSync(join(bin, 'sqlite3'), waiting('sqlite3', '*.backup*'));
  writeFileSync(join(bin, 'sha256sum'), waiting('sha256sum', '*'));
  // The forced command: logs the command the client asked for, then runs it as sshd would have.
  writeFileSync(join(dir, 'log-command'), `#!/bin/sh\nprintf '%s\\n' "$SSH_ORIGINAL_COMMAND" >> '${commandLog()}'\nexec /bin/sh -c "$SSH_ORIGINAL_COMMAND"\n`);
  for (const f of [join(bin, 'sqlite3'), join(bin, 'sha256sum'), join(dir, 'log-command')]) chmodSync(f, 0o755);
  const server = await startSshd({ extraConfig: [`SetEnv PATH=${bin}:/usr/local/bin:/usr/bin:/bin`, `ForceCommand ${join(dir, 'log-command')}`] });
  makeSqliteSource(join(dir, 'app.db'), 50);
  cfg = await writeTestConfig({
    global: { checks: { repository: 'never', archives: 'never' } },
    hosts: [{ name: 'main', server, sources: [{ name: 'db', kind: 'database', path: join(dir, 'dumps'), dump: { engine: 'sqlite', databases: [join(dir, 'app.db')], keep: 1 } }] }],
  });
});

const catalog = <T>(sql: string, ...params: unknown[]): T[] => queryCatalog<T>(cfg.stateDir, sql, ...params);

describe('SIGINT during the dump step', () => {
  for (const [prog, where] of [
    ['sqlite3', 'the dump itself'],
    ['sha256sum', "the dump's checksum"],
  ] as const) {
    it(`during ${where}: no remote command after the signal; dump step, host and run interrupted`, async () => {
      rmSync(commandLog(), { force: true });
      rmSync(join(dir, `started-${prog}`), { force: true });
      writeFileSync(join(dir, `slow-${prog}`), '');
      const child = execa(process.execPath, [CLI_PATH, '--config', cfg.configPath, 'run'], { reject: false, stdin: 'ignore', env: { NO_COLOR: '1' }, timeout: 100_000 });
      registerPid(child.pid!);
      try {
        await waitFor(`${prog} waiting on the server`, () => existsSync(join(dir, `started-${prog}`)), 60_000);
      } finally {
        rmSync(join(dir, `slow-${prog}`), { force: true });
      }
      // The log's order is the server's: every line after this one was asked for after the signal.
      appendFileSync(commandLog(), `${SIGNAL_LINE}\n`);
      child.kill('SIGINT');
      const r = await child;
      const out = `${r.stdout}\n${r.stderr}`;

      const lines = readFileSync(commandLog(), 'utf8').split('\n').filter((l) => l !== '');
      const after = lines.slice(lines.indexOf(SIGNAL_LINE) + 1);
      // The kill of the running command's process group is the only command allowed after the signal.
      expect(after.filter((l) => !/^kill -s KILL -- -\d+$/.test(l)), out).toEqual([]);

      expect(r.exitCode, out).toBe(1);
      expect(r.stdout).toMatch(/main\s+INTERRUPTED/);
      const [run] = catalog<{ id: number; status: string }>('SELECT id, status FROM runs ORDER BY id DESC LIMIT 1');
      expect(run!.status).toBe('interrupted');
      expect(catalog('SELECT status FROM host_results WHERE run_id = ?', run!.id)).toEqual([{ status: 'interrupted' }]);
      const steps = catalog<{ step: string; status: string }>('SELECT step, status FROM steps WHERE run_id = ? AND source IS NOT NULL ORDER BY id', run!.id);
      expect(steps.map((s) => `${s.step}:${s.status}`)).toEqual(['dump:interrupted']);
    }, 300_000);
  }
});
