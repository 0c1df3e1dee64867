// The units `schedule --systemd` prints, checked by systemd's own tools: each written to its file,
// `systemd-analyze verify` passes with nothing to say, and `systemd-analyze security --offline`
// scores every service 4.0 or better (the bar; unsandboxed units scored 9.6).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { runCli, writeTestConfig } from '../../harness/index.js';

const SERVER = { address: '127.0.0.1', port: 22, user: 'nobody' };

/** The `# /etc/systemd/system/NAME` sections of the output, written into `dir`; their names. */
function writeUnits(text: string, dir: string): string[] {
  const names: string[] = [];
  for (const part of text.split(/^# \/etc\/systemd\/system\//m).slice(1)) {
    const [name, ...body] = part.split('\n');
    writeFileSync(join(dir, name!), `${body.filter((l) => !l.startsWith('# ')).join('\n').trim()}\n`);
    names.push(name!);
  }
  return names;
}

describe('schedule --systemd', () => {
  it.each(['pullback', 'root'])('units for --user %s pass systemd-analyze verify and score 4.0 or better', async (user) => {
    const cfg = await writeTestConfig({
      hosts: [{ name: 'main', server: SERVER, sources: [{ name: 'data', kind: 'data', path: '/srv' }] }],
      global: { schedule: { timezone: 'UTC', backup: '0 2 * * *', check: '0 4 * * 0', report: '0 7 * * *' } },
    });
    const r = await runCli(['--config', cfg.configPath, 'schedule', '--systemd', '--user', user]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`ReadWritePaths=-${cfg.stateDir} -${cfg.repoPath('main')}\n`);
    if (user === 'pullback') expect(r.stdout).toContain('#   useradd --system --user-group');
    const dir = join(cfg.dir, `units-${user}`);
    mkdirSync(dir);
    const names = writeUnits(r.stdout, dir);
    expect(names).toEqual(['pullback-backup.service', 'pullback-backup.timer', 'pullback-check.service', 'pullback-check.timer', 'pullback-report.service', 'pullback-report.timer', 'pullback-notify-failure@.service']);

    const verify = await execa('systemd-analyze', ['verify', '--man=no', ...names.map((n) => join(dir, n))], { reject: false, env: { SYSTEMD_LOG_COLOR: '0' } });
    expect(verify.exitCode, verify.stderr).toBe(0);
    expect(`${verify.stdout}${verify.stderr}`.trim(), 'verify has nothing to say').toBe('');

    for (const n of names.filter((x) => x.endsWith('.service'))) {
      const sec = await execa('systemd-analyze', ['security', '--offline=true', '--no-pager', join(dir, n)], { reject: false });
      const score = /Overall exposure level for \S+: (\d+\.\d+)/.exec(sec.stdout)?.[1];
      expect(score, `${n}: ${sec.stdout.slice(-400)}${sec.stderr}`).toBeDefined();
      expect(Number(score), `${n} exposure`).toBeLessThanOrEqual(4.0);
      console.log(`${n} (--user ${user}): exposure ${score}`);
    }
  });
});
