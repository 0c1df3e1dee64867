// The morning report as one self-contained HTML page: a summary line, a table of hosts in
// red/amber/green, a section per host (last success, sources, failures with their error lines,
// warnings, partial archives, archives, checks, drill, restores), with a fleet catalog the whole fleet
// (every main server with its backup host, each backup host's health, as status shows it), and the 30-day trend charts as
// inline SVG rendered beforehand (charts/svg), in a wide and a narrow layout of which the CSS shows
// the one that fits. Repeated identical failures and warnings are listed once with their count.
// Times in UTC. Readable on a phone: nothing is wider than the screen (tables scroll in their own
// box). Inline CSS and a CSP that forbids every request. Pure.
import { archivesSaid, pitrDrillText, saysArchiveLoss, type HostReport, type ReportData } from './data.js';
import { counted, humanBytes, humanDuration } from '../util/table.js';
import { age, type Light } from './freshness.js';
import { collapseRepeats, repeatedText, type NoteGroup } from './grouping.js';
import type { FleetVerdicts } from './fleet-status.js';

export interface RenderedChart {
  id: string;
  title: string;
  /** Trusted SVG markup from the chart renderer, per layout; undefined: nothing to draw. */
  svg?: { wide: string; narrow: string };
}

/** `s` safe as HTML text and as a quoted attribute value. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const e = escapeHtml;
const t = (iso: string | null) => (iso ? iso.replace(/\.\d{3}Z$/, 'Z').replace('T', ' ') : 'never');
const dur = (s: number | null) => (s === null ? '–' : humanDuration(s * 1000));
const ago = (s: number | null) => (s === null ? '' : `${age(s * 1000)} ago`);
const where = (step: string, source: string | null) => e(source ? `${step}/${source}` : step);
const ORDER: Light[] = ['red', 'amber', 'green'];

// Up to NARROW px the narrow chart layout is shown (its SVG is 340 px wide, charts.ts; the wide one
// 760 px, which would be drawn smaller than its text allows below this), and the page's margins shrink.
const NARROW = 860;
const CSS = `
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;background:#f6f8fa;margin:0;padding:24px;overflow-wrap:break-word}
main{max-width:980px;margin:0 auto}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:0 0 8px;display:flex;flex-wrap:wrap;align-items:center;gap:6px 10px}h3{font-size:15px;margin:14px 0 4px}
.summary{font-size:18px;font-weight:600;margin:8px 0 2px}.meta{color:#59636e;margin:0 0 18px}
section,.card{background:#fff;border:1px solid #d1d9e0;border-radius:8px;padding:16px 18px;margin:0 0 16px;min-width:0}
.table{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e6eaef;vertical-align:top}th{font-size:13px;color:#59636e;font-weight:600}
td.time{white-space:nowrap}
.light{display:inline-block;min-width:4.5em;text-align:center;border-radius:4px;padding:1px 8px;font-weight:700;font-size:13px;color:#fff}
.light.red{background:#cf222e}.light.amber{background:#bf8700}.light.green{background:#1a7f37}
tr.host-row.red{background:#ffebe9}tr.host-row.amber{background:#fff8c5}tr.host-row.green{background:#dafbe1}
section.host.red{border-left:6px solid #cf222e}section.host.amber{border-left:6px solid #bf8700}section.host.green{border-left:6px solid #1a7f37}
pre{background:#f6f8fa;border:1px solid #e6eaef;border-radius:4px;padding:6px 8px;margin:2px 0 8px;white-space:pre-wrap;word-break:break-word;font-size:13px}
ul{margin:4px 0;padding-left:20px}.none{color:#59636e}
.failures h3{color:#cf222e}.warnings h3{color:#9a6700}
.count{display:inline-block;border-radius:10px;padding:0 8px;font-weight:700;font-size:13px;background:#ffebe9;color:#a40e26}.warnings .count{background:#fff8c5;color:#7d4e00}
.when{color:#59636e}
figure{margin:0 0 16px}figcaption{font-weight:600;margin:0 0 4px}
.chart svg{display:block;max-width:100%;height:auto}.chart .narrow{display:none}
@media (max-width:${NARROW}px){
body{padding:10px}section,.card{padding:12px}section.host{padding-left:10px}
h1{font-size:21px}h2{font-size:17px}.summary{font-size:16px}
ul{padding-left:16px}
.chart .wide{display:none}.chart .narrow{display:block}
.table thead{display:none}.table tr{display:block;padding:6px 8px;border-bottom:1px solid #e6eaef}
.table td{display:block;border:0;padding:1px 0}.table td:nth-child(-n+2){display:inline-block;margin:0 8px 2px 0;font-weight:600}
.table td:empty{display:none}.table td:nth-child(n+3)::before{content:attr(data-label) ": ";color:#59636e}
}
`;

/** "2 hosts: 1 red, 1 green" (zero counts left out). */
export function summaryLine(r: ReportData): string {
  const n = r.hosts.length;
  const counts = ORDER.map((l) => [l, r.hosts.filter((h) => h.status === l).length] as const).filter(([, c]) => c > 0);
  return `${n} host${n === 1 ? '' : 's'}${counts.length ? `: ${counts.map(([l, c]) => `${c} ${l}`).join(', ')}` : ''}`;
}

const light = (l: Light) => `<span class="light ${l}">${l.toUpperCase()}</span>`;

interface Column {
  label: string;
  cls?: string;
}
const HOST_COLUMNS: Column[] = [{ label: 'host' }, { label: 'status' }, { label: 'last success', cls: 'time' }, { label: 'age' }, { label: 'last run' }, { label: 'archives' }, { label: 'in the period' }];
const SOURCE_COLUMNS: Column[] = [{ label: 'source' }, { label: 'status' }, { label: 'last success', cls: 'time' }, { label: 'age' }, { label: 'last run' }];

/** A table of `rows` (cells already HTML); each cell names its column (data-label), which a phone shows in place of the header. */
function table(columns: Column[], rows: Array<{ attrs?: string; cells: string[] }>): string {
  const head = columns.map((c) => `<th>${e(c.label)}</th>`).join('');
  const cell = (html: string, i: number) => `<td data-label="${e(columns[i]!.label)}"${columns[i]!.cls ? ` class="${columns[i]!.cls}"` : ''}>${html}</td>`;
  const body = rows.map((r) => `<tr${r.attrs ?? ''}>${r.cells.map(cell).join('')}</tr>`).join('');
  return `<div class="table"><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

/** "7 failures (1 distinct)" (the distinct count only when some repeat); '' for none. */
function tally(n: number, distinct: number, what: string): string {
  if (n === 0) return '';
  return `${counted(n, what)}${distinct < n ? ` (${distinct} distinct)` : ''}`;
}

function overview(r: ReportData): string {
  const rows = r.hosts.map((h, i) => {
    const b = h.backup;
    const issues = [tally(h.failures.length, h.failure_groups.length, 'failure'), tally(h.warnings.length, h.warning_groups.length, 'warning'), h.partial_archives.length ? `${h.partial_archives.length} partial` : ''].filter(Boolean).join(', ');
    const lastRun = h.last_run ? `${e(h.last_run.status)}, ${e(dur(h.last_run.duration_seconds))}, ${e(humanBytes(h.last_run.bytes))}` : 'none';
    return { attrs: ` class="host-row ${h.status}" data-host="${e(h.host)}"`, cells: [`<a href="#host-${i}">${e(h.host)}</a>`, light(h.status), e(t(b.last_success)), e(ago(b.age_seconds)), lastRun, String(h.archives.count), e(issues || '–')] };
  });
  return `<section class="card overview"><h2>Hosts</h2>${table(HOST_COLUMNS, rows)}</section>`;
}

function list<T>(title: string, cls: string, items: T[], item: (x: T) => string, empty?: string): string {
  if (items.length === 0) return empty === undefined ? '' : `<div class="${cls}"><h3>${title}</h3><p class="none">${empty}</p></div>`;
  return `<div class="${cls}"><h3>${title}</h3><ul>${items.map((x) => `<li>${item(x)}</li>`).join('')}</ul></div>`;
}

/** When a failure or warning was seen: once (its run and time), or its count, first and last. */
function seen(g: NoteGroup): string {
  const r = repeatedText(g, t);
  if (!r) return `<span class="when">(run ${g.first_run_id}, ${e(t(g.first_at))})</span>`;
  return `<span class="count" data-count="${g.count}">${e(r.count)}</span> <span class="when">${e(r.when)}</span>`;
}

function hostSection(h: HostReport, i: number): string {
  const b = h.backup;
  const parts: string[] = [];
  parts.push(`<h2>${e(h.host)} ${light(h.status)}</h2>`);
  parts.push(`<p>Last success: <b>${e(t(b.last_success))}</b>${b.age_seconds !== null ? ` (${e(ago(b.age_seconds))}${b.max_age_seconds !== null ? `, max_age ${e(age(b.max_age_seconds * 1000))}` : ''})` : ''}${b.reason && h.status !== 'green' ? ` — ${e(b.reason)}` : ''}</p>`);
  parts.push(list('Damaged repository', 'damage', h.damage ?? [], (d) => `${light('red')} ${e(d.reason)}`));
  parts.push(list('Zero-filled by a repair', 'zero-filled', h.zero_filled ?? [], (z) => `${light(z.status)} ${e(z.reason)}`));
  const r = h.last_run;
  parts.push(`<p>Last run: ${r ? `${e(r.status)} at ${e(t(r.started_at))}, took ${e(dur(r.duration_seconds))}, pulled ${e(humanBytes(r.bytes))} over the network (every attempt of a retried pull counted) in ${r.files} file(s), archive ${e(r.archive ?? '–')}` : 'none'}</p>`);
  if (h.sources.length) {
    const rows = h.sources.map((s) => ({
      cells: [e(s.source), light(s.status), e(t(s.last_success)), e(ago(s.age_seconds)), s.last_run ? `${e(s.last_run.status)}, ${e(humanBytes(s.last_run.bytes))}, ${s.last_run.files} file(s)` : '–'],
    }));
    parts.push(`<h3>Sources</h3>${table(SOURCE_COLUMNS, rows)}`);
  }
  parts.push(`<p>Jobs in the period: ${h.runs.length ? e(collapseRepeats(h.runs.map((x) => `${x.kind} ${x.status}`)).join(', ')) : '<span class="none">none</span>'}</p>`);
  parts.push(list('Failures', 'failures', h.failure_groups, (f) => `<b>${where(f.step, f.source)}</b> ${seen(f)}<pre>${e(f.message)}</pre>`));
  parts.push(list('Warnings', 'warnings', h.warning_groups, (w) => `<b>${where(w.step, w.source)}</b>${w.retries ? ` (${counted(w.retries, 'retry', 'retries')})` : ''} ${seen(w)}<pre>${e(w.message)}</pre>`));
  parts.push(list('Partial archives', 'partial', h.partial_archives, (a) => e(a)));
  const a = h.archives;
  if (saysArchiveLoss(h)) parts.push(`<div class="archive-loss"><h3>Missing archives</h3><p>${light(h.archive_loss.status)} ${e(h.archive_loss.reason)}</p></div>`);
  parts.push(`<h3>Archives</h3><p>${a.count} archive(s), last ${e(a.last ?? '–')}; ${e(archivesSaid(a))}</p>`);
  const checks = h.checks.filter((c) => c.kind !== 'drill' && c.frequency !== 'never');
  parts.push(list('Checks', 'checks', checks, (c) => `${light(c.status)} ${e(c.kind)}: ${e(c.result ?? 'never ran')}${c.at ? ` at ${e(t(c.at))}` : ''}`, 'none configured'));
  parts.push(
    list('Point-in-time recovery', 'pitr', h.recovery_windows ?? [], (w) =>
      `${light(w.status)} ${e(w.source)}: from ${e(t(w.oldest_at))} to ${e(t(w.newest_at))} (${w.base_backups} base backup(s)${w.lag_seconds === null ? '' : `, lag ${e(humanDuration(w.lag_seconds * 1000))}`}; receiver ${e(w.receiver ?? 'never ran')})${w.reasons.length ? `<br>${w.reasons.map(e).join('<br>')}` : ''}`,
    ),
  );
  parts.push(list('Off-site copies', 'offsite', h.offsite ?? [], (o) => `${light(o.status)} ${e(o.target)}: ${o.verified_at ? `newest verified copy ${e(t(o.verified_at))}` : 'no verified copy'} (${e(o.reason)})`));
  const d = h.drill;
  parts.push(`<h3>Drill</h3><p>${d ? `${e(d.result)} at ${e(t(d.at))}, ${d.matches}/${d.files_sampled} sampled files matched${d.archive ? ` (archive ${e(d.archive)})` : ''}` : '<span class="none">none yet</span>'}</p>${d?.error ? `<pre>${e(d.error)}</pre>` : ''}${(d?.pitr ?? []).map((p) => `<p>${e(pitrDrillText(p))}</p>`).join('')}`);
  if (h.interrupted_restores?.length) parts.push(list('Interrupted restores', 'interrupted-restores', h.interrupted_restores, (x) => `<b>restore ${x.id}</b><pre>${e(x.message)}</pre>`));
  parts.push(list('Restores in the period', 'restores', h.restores, (x) => `#${x.id} ${e(x.kind)} of ${e(x.archive)} onto ${e(x.target)}: <b>${e(x.status)}</b>${x.error ? `<pre>${e(x.error)}</pre>` : ''}`, 'none'));
  return `<section class="host ${h.status}" id="host-${i}" data-host="${e(h.host)}">${parts.join('\n')}</section>`;
}

const FLEET_SERVER_COLUMNS: Column[] = [{ label: 'host' }, { label: 'backup host' }, { label: 'home' }, { label: 'backup' }, { label: 'last success', cls: 'time' }, { label: 'last night' }];
const FLEET_HOST_COLUMNS: Column[] = [{ label: 'backup host' }, { label: 'state' }, { label: 'heartbeat' }, { label: 'last night' }, { label: 'servers' }];

/** The fleet's section: every main server with its backup host, every backup host's health, the red reasons (as status). */
function fleetSection(f: FleetSection): string {
  if (!f.verdicts) return `<section class="card fleet" id="fleet"><h2>Fleet</h2><p class="none">The fleet catalog ${e(f.url)} could not be reached: this backup host's own servers only (above).</p></section>`;
  const v = f.verdicts;
  const servers = v.servers.map((s) => ({ attrs: ` class="fleet-server ${s.light}" data-host="${e(s.host)}" data-backup-host="${e(s.backupHost)}"`, cells: [e(s.host), e(s.backupHost), e(s.home ?? '–'), light(s.light), e(t(s.lastOkAt?.toISOString() ?? null)), e(s.lastStatus ?? '–')] }));
  const hosts = v.backupHosts.map((b) => ({
    attrs: ` class="fleet-backup-host ${b.light}" data-backup-host="${e(b.name)}"`,
    cells: [e(b.name), light(b.light), e(`${age(b.heartbeatAgeMs)} ago`), e(b.lastNightAgeMs === undefined ? 'never' : `${age(b.lastNightAgeMs)} ago`), String(b.servers.length)],
  }));
  const shown = new Set(v.backupHosts.filter((b) => b.light === 'red').map((b) => b.name));
  const reasons = [...v.backupHosts.map((b) => b.reason), ...v.servers.filter((s) => !shown.has(s.backupHost)).map((s) => s.reason)].filter((x): x is string => Boolean(x));
  return `<section class="card fleet" id="fleet"><h2>Fleet</h2><p class="meta">${e(f.url)}</p>${table(FLEET_SERVER_COLUMNS, servers)}<h3>Backup hosts</h3>${table(FLEET_HOST_COLUMNS, hosts)}${list('Attention (fleet)', 'fleet-attention', reasons, (r) => `${light('red')} ${e(r)}`)}</section>`;
}

function trends(charts: RenderedChart[]): string {
  const drawn = (c: RenderedChart) => (c.svg ? `<div class="wide">${c.svg.wide}</div><div class="narrow">${c.svg.narrow}</div>` : '<p class="none">no nightly runs in the last 30 days</p>');
  const figs = charts.map((c) => `<figure class="chart" data-chart="${e(c.id)}"><figcaption>${e(c.title)}</figcaption>${drawn(c)}</figure>`);
  return `<section class="card trends"><h2>Trends (30 days, UTC)</h2>${figs.join('\n')}</section>`;
}

/** The fleet as the page shows it: its verdicts, or undefined when the fleet catalog was unreachable. */
export interface FleetSection {
  url: string;
  verdicts: FleetVerdicts | undefined;
}

/** The whole page for `r`, with `charts` (already rendered SVG) in the trends section, and the fleet after the overview when there is one. */
export function reportHtml(r: ReportData, charts: RenderedChart[], fleet?: FleetSection): string {
  const title = `pullback report ${t(r.generated_at)}: ${r.status.toUpperCase()}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>pullback report ${light(r.status)}</h1>
<p class="summary">${e(summaryLine(r))}</p>
<p class="meta">Generated ${e(t(r.generated_at))}, covering the period since ${e(t(r.since))}.</p>
${overview(r)}
${fleet ? fleetSection(fleet) : ''}
${r.hosts.map(hostSection).join('\n')}
${trends(charts)}
</main>
</body>
</html>
`;
}
