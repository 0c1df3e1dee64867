// The units `schedule --systemd` prints, checked by systemd's own tools: each written to its file,
// `systemd-analyze verify` passes with nothing to say, and `systemd-analyze security --offline`
// scores every service 4.0 or better (the bar; unsandboxed units scored 9.6).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { runCli, startListener, writeTestConfig } from '../../harness/index.js';

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

  it('a failed unit reaches the notifier: OnFailure= starts the handler, whose ExecStart= line sends the event', async () => {
    const hook = await startListener();
    const cfg = await writeTestConfig({
      hosts: [{ name: 'main', server: SERVER, sources: [{ name: 'data', kind: 'data', path: '/srv' }] }],
      global: { schedule: { timezone: 'UTC', backup: '0 2 * * *' }, notify: [{ webhook: `${hook.url}/hook`, on: ['failure'], timeout: '10s', attempts: 1 }] },
    });
    const r = await runCli(['--config', cfg.configPath, 'schedule', '--systemd']);
    expect(r.exitCode, r.stderr).toBe(0);
    const dir = join(cfg.dir, 'units-notify');
    mkdirSync(dir);
    writeUnits(r.stdout, dir);
    // systemd starts pullback-notify-failure@<the failed unit's name>.service (%n: the full name).
    const backup = readFileSync(join(dir, 'pullback-backup.service'), 'utf8');
    expect(backup).toMatch(/^OnFailure=pullback-notify-failure@%n\.service$/m);
    const handler = readFileSync(join(dir, 'pullback-notify-failure@.service'), 'utf8');
    const exec = /^ExecStart=(.+)$/m.exec(handler)?.[1];
    expect(exec, handler).toBeDefined();
    // The line as systemd runs it for the instance pullback-backup.service, without a shell: no systemd here (not PID 1).
    const [cmd, ...args] = systemdCommandLine(exec!, { i: 'pullback-backup.service' });
    const sent = await execa(cmd!, args, { reject: false, env: { PULLBACK_VERBOSE: '' } });
    expect(sent.exitCode, sent.stderr).toBe(0);
    expect(hook.received).toHaveLength(1);
    const event = JSON.parse(hook.received[0]!.body) as { kind: string; status: string; text: string; details: { unit: string } };
    expect(event).toMatchObject({ kind: 'failure', status: 'failed', details: { unit: 'pullback-backup.service' } });
    expect(event.text).toContain('pullback: systemd unit pullback-backup.service FAILED');
  });
});

/** An ExecStart= value as systemd splits it: words, double quotes with backslash escapes, %% and $$ undone, %X specifiers from `spec`. */
function systemdCommandLine(line: string, spec: Record<string, string>): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    const raw = m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!;
    words.push(raw.replace(/%(.)/g, (_, c: string) => (c === '%' ? '%' : (spec[c] ?? `%${c}`))).replace(/\$\$/g, '$'));
  }
  return words;
}
