// How `pullback status` prints the freshness verdicts: a table (one line per host, one per source)
// and the JSON monitoring systems read. Pure.
import { renderTable } from '../util/table.js';
import { jsonDocument, utcTime, utcTimeOrNull } from '../util/json-doc.js';
import { utcSeconds } from '../util/stamp.js';
import { windowJson, type RecoveryWindow } from '../archive/recovery-window.js';
import { age, backupCell, cellLight, type HostCell, type HostFreshness, type Verdict } from './freshness.js';

const iso = (d: Date | undefined) => (d ? utcSeconds(d) : 'never');
const ago = (v: Verdict) => (v.ageMs === undefined ? '-' : age(v.ageMs));
const limit = (v: Verdict) => (v.limitMs === undefined ? '-' : age(v.limitMs));

/**
 * A host-row cell of checks of `kinds`: the cell's light (cellLight: every verdict about it, the
 * repository's state included, not only the checks' own records), then when each configured kind last ran.
 */
function checkCell(h: HostFreshness, cell: HostCell, kinds: string[]): string {
  const light = cellLight(h, cell);
  // A kind the config never runs is shown once it was run by hand (a passing `pullback drill`), with its result unless ok.
  const shown = h.checks.filter((c) => kinds.includes(c.kind) && (c.frequency !== 'never' || c.lastAgeMs !== undefined));
  const when = shown.map((c) => {
    const name = c.kind === 'drill' ? '' : `${c.kind} `;
    if (c.frequency === 'never') return `${name}${c.status === 'ok' ? '' : `${c.status} `}${age(c.lastAgeMs!)} ago (by hand)`;
    return `${name}${c.at ? `${age(c.ageMs!)} ago` : 'never'}`;
  });
  if (shown.length === 0) return light === 'green' ? '-' : light.toUpperCase();
  return `${light.toUpperCase()} ${when.join(', ')}`;
}

/** The status table and, under it, the reason of every line that is not green: both from each host's one list of verdicts. */
export function statusText(hosts: HostFreshness[]): string {
  const rows: string[][] = [];
  for (const h of hosts) {
    const backup = backupCell(h);
    rows.push([h.host, '-', backup.light.toUpperCase(), iso(backup.at), ago(backup), limit(backup), h.lastJob ? `${h.lastJob.kind} ${h.lastJob.status}` : '-', checkCell(h, 'check', ['repository', 'archives', 'data']), checkCell(h, 'drill', ['drill'])]);
    for (const s of h.sources) rows.push([h.host, s.name, s.light.toUpperCase(), iso(s.at), ago(s), limit(s), '', '', '']);
    // The newest verified off-site copy per target: its "last success".
    for (const o of h.offsite) rows.push([h.host, `off-site ${o.target}`, o.light.toUpperCase(), iso(o.at), ago(o), limit(o), '', '', '']);
  }
  const table = renderTable(['HOST', 'SOURCE', 'BACKUP', 'LAST SUCCESS', 'AGE', 'MAX AGE', 'LAST JOB', 'CHECK', 'DRILL'], rows);
  const problems = hosts.flatMap((h) => h.verdicts.map((v) => v.verdict).filter((v) => v.light !== 'green').map((v) => `  ${v.light.toUpperCase()} ${v.reason}`));
  return problems.length > 0 ? `${table}\n\nAttention:\n${problems.join('\n')}` : table;
}

/** A verdict as JSON: `at` is named for what the time is (last_success, verified_at, ...); the limit is always max_age_seconds. */
const verdictJson = (v: Verdict, at = 'at') => ({
  status: v.light,
  [at]: utcTimeOrNull(v.at),
  age_seconds: v.ageMs === undefined ? null : Math.round(v.ageMs / 1000),
  max_age_seconds: v.limitMs === undefined ? null : Math.round(v.limitMs / 1000),
  reason: v.reason,
});

/**
 * The JSON of `pullback status --json` (docs/schemas/status.schema.json): overall status, then each
 * host with its sources and checks, then the recovery windows (each red or amber one counts in the
 * overall status). The host's `backup` and `cells` are the table's host row (cellLight: the same
 * verdicts as its Attention lines), each source's status its row's.
 */
export function statusJson(hosts: HostFreshness[], windows: readonly RecoveryWindow[], now: Date): unknown {
  const lights = [...hosts.map((h) => h.light), ...windows.map((w) => w.light)];
  return jsonDocument({
    generated_at: utcTime(now),
    status: lights.includes('red') ? 'red' : lights.includes('amber') ? 'amber' : 'green',
    hosts: hosts.map((h) => ({
      host: h.host,
      status: h.light,
      backup: verdictJson(backupCell(h), 'last_success'),
      cells: { backup: cellLight(h, 'backup'), check: cellLight(h, 'check'), drill: cellLight(h, 'drill') },
      last_job: h.lastJob ? { kind: h.lastJob.kind, status: h.lastJob.status, at: utcTime(h.lastJob.at), error: h.lastJob.error ?? null } : null,
      sources: h.sources.map((s) => ({ source: s.name, ...verdictJson(s, 'last_success') })),
      checks: h.checks.map((c) => ({ kind: c.kind, frequency: c.frequency, result: c.status ?? null, ...verdictJson(c) })),
      offsite: h.offsite.map((o) => ({ target: o.target, ...verdictJson(o, 'verified_at') })),
      archives: verdictJson(h.archiveLoss),
      damage: h.damage.map((d) => ({ kinds: d.kind.split('+'), ...verdictJson(d, 'failed_at') })),
      interrupted_restores: h.restores.map((r) => verdictJson(r)),
      zero_filled: h.repaired.map((r) => ({ source: r.source ?? null, ...verdictJson(r) })),
    })),
    ...(windows.length > 0 ? { recovery_windows: windows.map(windowJson) } : {}),
  });
}
