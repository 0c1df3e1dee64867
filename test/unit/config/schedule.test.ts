import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCrontab, jobArgs, planSchedule } from '../../../src/schedule/schedule.js';
import { REPO_ROOT } from '../../harness/cli.js';
import { GLOBAL, problemsOf, short, writeConfig } from './fixture.js';

describe('schedule config', () => {
  it('normalizes the schedule; none means nothing scheduled', () => {
    const c = loadConfig(writeConfig(`${GLOBAL}schedule:\n  timezone: Europe/Berlin\n  backup: "0 2 * * *"\n  drill: "0 5 1 * *"\n`));
    expect(c.global.schedule).toEqual({ timezone: 'Europe/Berlin', jobs: { backup: '0 2 * * *', drill: '0 5 1 * *' } });
    expect(loadConfig(writeConfig(GLOBAL)).global.schedule).toEqual({ jobs: {} });
  });

  it('bad cron expressions and time zones are reported with file, line and key', () => {
    const rules = short(problemsOf(`${GLOBAL}schedule:\n  timezone: Mars/Olympus\n  backup: "61 2 * * *"\n  check: "0 4 * *"\n  drill: "0 5 1 * mon"\n  report: "0 7 L * *"\n  weekly: "0 1 * * 0"\n`));
    expect(rules).toEqual([
      { file: 'pullback.yaml', line: 8, key: 'schedule.timezone', message: "unknown time zone 'Mars/Olympus' (an IANA name such as Europe/Berlin or UTC)" },
      { file: 'pullback.yaml', line: 9, key: 'schedule.backup', message: "is not a valid cron expression (61 is a invalid expression for minute; got '61 2 * * *')" },
      { file: 'pullback.yaml', line: 10, key: 'schedule.check', message: "is not a valid cron expression (expected 5 or 6 fields but got 4; got '0 4 * *')" },
      {
        file: 'pullback.yaml',
        line: 11,
        key: 'schedule.drill',
        message: "restricts both day of month and day of week, which crontab reads as either and the daemon as both: restrict only one (got '0 5 1 * mon')",
      },
      { file: 'pullback.yaml', line: 12, key: 'schedule.report', message: "uses L, W or # (crontab and systemd have no equivalent; got '0 7 L * *')" },
      { file: 'pullback.yaml', line: 13, key: 'schedule.weekly', message: "unknown key 'weekly'" },
    ]);
  });
});

describe('schedule.args', () => {
  it('gives a job its options, one word per item, after the command (the documented HTML report)', () => {
    const c = loadConfig(writeConfig(`${GLOBAL}schedule:\n  report: "0 7 * * *"\n  args:\n    report: [--format, html, --output, /var/www/backup/index.html]\n`));
    expect(c.global.schedule).toEqual({ jobs: { report: '0 7 * * *' }, args: { report: ['--format', 'html', '--output', '/var/www/backup/index.html'] } });
    const plan = planSchedule(c.global.schedule, () => true);
    const launcher = { node: '/usr/bin/node', script: '/opt/pullback/dist/cli/main.js', configPath: '/etc/pullback/pullback.yaml' };
    expect(jobArgs(launcher, plan.jobs[0]!)).toEqual([launcher.script, '--config', launcher.configPath, 'report', '--format', 'html', '--output', '/var/www/backup/index.html']);
    expect(buildCrontab(plan, launcher, 'pullback')).toContain(' report --format html --output /var/www/backup/index.html\n');
  });

  it('the example in docs/operations.md validates as it is written', () => {
    const docs = readFileSync(join(REPO_ROOT, 'docs/operations.md'), 'utf8');
    const block = /## Scheduling[\s\S]*?```yaml\n([\s\S]*?)```/.exec(docs)![1]!;
    expect(block).toContain('report: [--format, html, --output, /var/www/backup/index.html]');
    const c = loadConfig(writeConfig(`${GLOBAL}${block}`));
    expect(c.global.schedule.args?.report).toEqual(['--format', 'html', '--output', '/var/www/backup/index.html']);
  });

  it('refuses arguments for a job that is not scheduled, and the options the schedule gives itself', () => {
    const rules = short(problemsOf(`${GLOBAL}schedule:\n  backup: "0 2 * * *"\n  args:\n    report: [--format, html]\n    backup: [--config=/tmp/other.yaml]\n`));
    expect(rules).toEqual([
      { file: 'pullback.yaml', line: 10, key: 'schedule.args.report', message: 'arguments for the report job, which is not scheduled (set schedule.report to a cron expression)' },
      { file: 'pullback.yaml', line: 11, key: 'schedule.args.backup', message: "--config=/tmp/other.yaml is given by the schedule itself (the configuration file the schedule was read from, the daemon's log level): leave it out" },
    ]);
  });
});
