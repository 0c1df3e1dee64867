// The `schedule` section of the global file: its schema (the docs), its rules (cron expressions
// and the time zone, checked with the same library the daemon runs them with) and its normalization.
import { validateDetailed } from 'node-cron';
import { list, obj, str, type SchemaNode } from './schema-node.js';
import type { ScheduleConfig, ScheduledJob } from './types.js';

export const SCHEDULED_JOBS: readonly ScheduledJob[] = ['backup', 'check', 'drill', 'report'];

const CRON_HELP =
  ' A cron expression: minute hour day-of-month month day-of-week, optionally preceded by a seconds field (for tests); ' +
  'lists, ranges, steps and names (mon, jan) as in crontab. Absent: not scheduled.';

function job(what: string, example: string): SchemaNode {
  return str({ description: `When pullback daemon runs ${what}.${CRON_HELP}`, example });
}

export const scheduleSchema: SchemaNode = obj(
  {
    timezone: str({
      description: 'IANA time zone the expressions are read in (Europe/Berlin, UTC); also written into the systemd timers and crontab that pullback schedule prints.',
      defaultText: "the system's time zone",
      example: 'Europe/Berlin',
    }),
    backup: job('the nightly job (pullback run)', '0 2 * * *'),
    check: job('pullback check (borg check of every repository and its archives)', '0 4 * * 0'),
    drill: job('pullback drill (a restore drill of every host)', '0 5 1 * *'),
    report: job('pullback report, when this pullback has the report command (else the daemon logs that it is skipped)', '0 7 * * *'),
    args: obj(
      {
        backup: jobArgs('pullback run', ['--host', 'web']),
        check: jobArgs('pullback check', ['--verify-data']),
        drill: jobArgs('pullback drill', ['--host', 'web']),
        report: jobArgs('pullback report', ['--format', 'html', '--output', '/var/www/backup/index.html']),
      },
      {
        description:
          'Options given to a scheduled job\'s command, one word per item (never a shell string), after the command: e.g. the HTML report written to a file. --config and --log-level are the schedule\'s own. Only for jobs that are scheduled.',
        example: { report: ['--format', 'html', '--output', '/var/www/backup/index.html'] },
      },
    ),
  },
  { description: 'When pullback daemon runs each job; pullback schedule --cron or --systemd prints the same schedule for the system\'s scheduler.' },
);

function jobArgs(command: string, example: string[]): SchemaNode {
  return list(str({ description: 'One word of the command line.', example: example[0] }), { description: `What the job runs after \`${command}\`, one word per item.`, example, minItems: 1 });
}

/** Options a job may not be given: the schedule passes them itself (the config file it was read from, the daemon's log level). */
const OWN_OPTIONS = ['--config', '-c', '--log-level'];

/** Whether `tz` is a time zone this Node knows. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * What is wrong with a cron expression (undefined when it is fine). Besides node-cron's own
 * validation: nothing cron and systemd cannot say too (L, W, #), and not both day fields
 * restricted, which node-cron and systemd read as "both" but crontab as "either".
 */
export function cronProblem(expr: string): string | undefined {
  const v = validateDetailed(expr);
  if (!v.valid || !v.fields) {
    const why = v.errors.map((e) => e.message).join('; ') || 'not a cron expression';
    return `is not a valid cron expression (${why}; got '${expr}')`;
  }
  const f = v.fields;
  if ([...f.dayOfMonth, ...f.dayOfWeek].some((d) => typeof d !== 'number')) {
    return `uses L, W or # (crontab and systemd have no equivalent; got '${expr}')`;
  }
  const fields = expr.trim().split(/\s+/);
  if (fields.length >= 5) {
    const [dom, dow] = fields.slice(-3).filter((_, i) => i !== 1);
    if (!isWildcard(dom!) && !isWildcard(dow!)) {
      return `restricts both day of month and day of week, which crontab reads as either and the daemon as both: restrict only one (got '${expr}')`;
    }
  }
  return undefined;
}

function isWildcard(field: string): boolean {
  return field === '*' || field === '?';
}

/** Problems of a parsed `schedule` mapping (its shape is the schema's); `at` places one. */
export function scheduleRules<P>(raw: unknown, at: (path: string[], message: string) => P): P[] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return [];
  const s = raw as Record<string, unknown>;
  const out: P[] = [];
  if (typeof s.timezone === 'string' && !isTimeZone(s.timezone)) {
    out.push(at(['timezone'], `unknown time zone '${s.timezone}' (an IANA name such as Europe/Berlin or UTC)`));
  }
  for (const j of SCHEDULED_JOBS) {
    const expr = s[j];
    if (typeof expr !== 'string' || expr.length === 0) continue;
    const why = cronProblem(expr);
    if (why) out.push(at([j], why));
  }
  const args = s.args;
  if (typeof args === 'object' && args !== null && !Array.isArray(args)) {
    for (const [j, words] of Object.entries(args as Record<string, unknown>)) {
      if (!(SCHEDULED_JOBS as readonly string[]).includes(j) || !Array.isArray(words)) continue;
      if (typeof s[j] !== 'string') out.push(at(['args', j], `arguments for the ${j} job, which is not scheduled (set schedule.${j} to a cron expression)`));
      const own = words.find((w) => typeof w === 'string' && OWN_OPTIONS.some((o) => w === o || w.startsWith(`${o}=`)));
      if (own !== undefined) out.push(at(['args', j], `${own} is given by the schedule itself (the configuration file the schedule was read from, the daemon's log level): leave it out`));
    }
  }
  return out;
}

/** The typed schedule of a valid `schedule` mapping (none: nothing scheduled). */
export function normalizeSchedule(raw: ({ timezone?: string; args?: Partial<Record<ScheduledJob, string[]>> } & Partial<Record<ScheduledJob, string>>) | undefined): ScheduleConfig {
  const jobs: ScheduleConfig['jobs'] = {};
  for (const j of SCHEDULED_JOBS) if (raw?.[j] !== undefined) jobs[j] = raw[j];
  const out: ScheduleConfig = raw?.timezone !== undefined ? { timezone: raw.timezone, jobs } : { jobs };
  if (raw?.args && Object.keys(raw.args).length > 0) out.args = { ...raw.args };
  return out;
}
