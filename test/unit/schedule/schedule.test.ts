import { describe, expect, it } from 'vitest';
import { buildCrontab, cronWord, onCalendar, overlapDecision, planSchedule, systemdWord, JOB_TABLE } from '../../../src/schedule/schedule.js';
import { buildSystemdUnits, sandboxLines, writablePaths } from '../../../src/schedule/systemd-units.js';

const launcher = { node: '/usr/bin/node', script: '/opt/pullback/dist/cli/main.js', configPath: '/etc/pullback/pullback.yaml' };
const schedule = { timezone: 'Europe/Berlin', jobs: { backup: '0 2 * * *', check: '0 4 * * 0', drill: '0 5 1 * *', report: '0 7 * * *' } };
const spec = (job: string) => JOB_TABLE.find((j) => j.job === job)!;

describe('schedule plan', () => {
  it('schedules a job only when its command is registered, else says why', () => {
    const plan = planSchedule(schedule, (c) => c !== 'report');
    expect(plan.jobs.map((j) => [j.job, j.command, j.cron])).toEqual([['backup', 'run', '0 2 * * *'], ['check', 'check', '0 4 * * 0'], ['drill', 'drill', '0 5 1 * *']]);
    expect(plan.skipped).toEqual([{ job: 'report', reason: "this pullback has no 'report' command" }]);
    expect(planSchedule({ jobs: {} }, () => true)).toEqual({ jobs: [], skipped: [] });
  });

  it('crontab: /etc/cron.d lines, nice and idle I/O, CRON_TZ, exactly', () => {
    expect(buildCrontab(planSchedule(schedule, () => true), launcher, 'root')).toBe(
      [
        '# pullback schedule for cron: install as /etc/cron.d/pullback (printed by pullback schedule --cron).',
        "# Time zone Europe/Berlin: cronie honours CRON_TZ; Debian's cron ignores it and uses the system's time zone.",
        'CRON_TZ=Europe/Berlin',
        '# backup: the nightly job (pullback run)',
        '0 2 * * * root nice -n 10 ionice -c 3 /usr/bin/node /opt/pullback/dist/cli/main.js --config /etc/pullback/pullback.yaml run',
        '# check: borg check of every repository and its archives (pullback check)',
        '0 4 * * 0 root nice -n 10 ionice -c 3 /usr/bin/node /opt/pullback/dist/cli/main.js --config /etc/pullback/pullback.yaml check',
        '# drill: a restore drill of every host (pullback drill)',
        '0 5 1 * * root nice -n 10 ionice -c 3 /usr/bin/node /opt/pullback/dist/cli/main.js --config /etc/pullback/pullback.yaml drill',
        '# report: the morning report (pullback report)',
        '0 7 * * * root nice -n 10 ionice -c 3 /usr/bin/node /opt/pullback/dist/cli/main.js --config /etc/pullback/pullback.yaml report',
        '',
      ].join('\n'),
    );
  });

  it('crontab: quotes words for sh, escapes %, refuses a seconds field', () => {
    expect(cronWord("/srv/my conf/it's.yaml")).toBe("'/srv/my conf/it'\\''s.yaml'");
    expect(cronWord('/etc/100%.yaml')).toBe('/etc/100\\%.yaml');
    const plan = planSchedule({ jobs: { backup: '*/5 * * * * *' } }, () => true);
    expect(() => buildCrontab(plan, launcher, 'root')).toThrow("schedule.backup '*/5 * * * * *' has a seconds field, which crontab cannot express");
    const noTz = buildCrontab(planSchedule({ jobs: { backup: '@daily' } }, () => true), launcher, 'backup');
    expect(noTz).not.toContain('CRON_TZ');
    expect(noTz).toContain('\n@daily backup nice');
  });

  it('systemd OnCalendar from cron expressions', () => {
    expect(onCalendar('0 2 * * *', 'Europe/Berlin')).toBe('*-*-* 02:00:00 Europe/Berlin');
    expect(onCalendar('0 4 * * 0')).toBe('Sun *-*-* 04:00:00');
    expect(onCalendar('0 4 * * 7')).toBe('Sun *-*-* 04:00:00');
    expect(onCalendar('0 5 1 * *')).toBe('*-*-01 05:00:00');
    expect(onCalendar('30 1 * * mon-fri')).toBe('Mon..Fri *-*-* 01:30:00');
    expect(onCalendar('*/15 3,4 * 1,7 *')).toBe('*-01,07-* 03,04:00,15,30,45:00');
    expect(onCalendar('*/20 * * * * *')).toBe('*-*-* *:*:00,20,40');
  });

  it('systemd: writable are the state directory, each repository and the metrics folder, none inside another', () => {
    const global = { stateDir: '/var/lib/pullback', repository: { pathTemplate: '/srv/borg/{host}' }, metricsFile: '/var/lib/pullback/metrics/pullback.prom' };
    const config = { global, hosts: [{ name: 'a' }, { name: 'b' }] } as unknown as Parameters<typeof writablePaths>[0];
    expect(writablePaths(config)).toEqual(['/var/lib/pullback', '/srv/borg/a', '/srv/borg/b']);
    const apart = { ...config, global: { ...global, repository: { pathTemplate: '/var/lib/pullback/repos/{host}' }, metricsFile: '/var/lib/node_exporter/pullback.prom' } } as typeof config;
    expect(writablePaths(apart)).toEqual(['/var/lib/pullback', '/var/lib/node_exporter']);
  });

  it('systemd: a sandboxed oneshot service and a persistent timer per job, and the failure notifier, exactly', () => {
    const o = { user: 'pullback', writable: ['/var/lib/pullback', '/srv/borg/main'] };
    const units = buildSystemdUnits(planSchedule({ timezone: 'UTC', jobs: { backup: '0 2 * * *' } }, () => true), { ...launcher, configPath: '/etc/pull back/$x%.yaml' }, o);
    expect(units).toEqual([
      {
        name: 'pullback-backup.service',
        text: [
          '[Unit]',
          'Description=pullback backup: the nightly job (pullback run)',
          'Wants=network-online.target',
          'After=network-online.target',
          'OnFailure=pullback-notify-failure@%n.service',
          '',
          '[Service]',
          'Type=oneshot',
          'ExecStart=/usr/bin/node /opt/pullback/dist/cli/main.js --config "/etc/pull back/$$x%%.yaml" run',
          'Nice=10',
          'IOSchedulingClass=idle',
          'KillSignal=SIGTERM',
          'TimeoutStopSec=2min',
          'TimeoutStartSec=23h',
          ...sandboxLines(o),
          '',
        ].join('\n'),
      },
      {
        name: 'pullback-backup.timer',
        text: ['[Unit]', 'Description=pullback backup schedule (0 2 * * *)', '', '[Timer]', 'OnCalendar=*-*-* 02:00:00 UTC', 'Persistent=true', '', '[Install]', 'WantedBy=timers.target', ''].join('\n'),
      },
      {
        name: 'pullback-notify-failure@.service',
        text: [
          '[Unit]',
          'Description=pullback: tell the notifiers that %i failed',
          '',
          '[Service]',
          'Type=oneshot',
          'ExecStart=/usr/bin/node /opt/pullback/dist/cli/main.js --config "/etc/pull back/$$x%%.yaml" notify --unit-failed %i',
          'TimeoutStartSec=10min',
          ...sandboxLines(o),
          '',
        ].join('\n'),
      },
    ]);
    expect(sandboxLines(o)).toEqual(expect.arrayContaining(['User=pullback', 'Group=pullback', 'ProtectSystem=strict', 'ReadWritePaths=-/var/lib/pullback -/srv/borg/main', 'CapabilityBoundingSet=', 'NoNewPrivileges=yes']));
    expect(sandboxLines({ ...o, user: 'root' })).not.toContain('Group=root');
    expect(sandboxLines(o).join('\n')).not.toMatch(/MemoryDenyWriteExecute/);
    expect(systemdWord('a"b\\c')).toBe('"a\\"b\\\\c"');
  });

  it('overlap: never twice at once, host jobs one after another, the report alongside', () => {
    expect(overlapDecision(spec('backup'), [], [])).toEqual({ action: 'start' });
    expect(overlapDecision(spec('backup'), [spec('backup')], [])).toEqual({ action: 'skip', reason: 'the previous backup is still running' });
    expect(overlapDecision(spec('check'), [spec('backup')], [])).toEqual({ action: 'wait', behind: 'backup' });
    expect(overlapDecision(spec('check'), [spec('backup')], [spec('check')])).toEqual({ action: 'skip', reason: 'a check is already waiting to start' });
    expect(overlapDecision(spec('report'), [spec('backup')], [])).toEqual({ action: 'start' });
  });
});
