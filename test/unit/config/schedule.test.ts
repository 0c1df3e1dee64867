import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
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
