// The morning report as text (the default format, and what the email notifier sends): per host its
// status, last success, the period's jobs, warnings and failures with their error lines, archives,
// checks, drill, restores, and the 30-day trends as numbers. Pure.
import { archivesSaid, pitrDrillText, saysArchiveLoss, type HostReport, type ReportData } from './data.js';
import { counted, humanBytes, humanDuration } from '../util/table.js';
import { age } from './freshness.js';
import { collapseRepeats, repeatedText, type NoteGroup } from './grouping.js';

const t = (iso: string | null) => (iso ? iso.replace(/\.\d{3}Z$/, 'Z') : 'never');
const dur = (s: number | null) => (s === null ? '-' : humanDuration(s * 1000));
const src = (s: string | null) => (s ? `/${s}` : '');

const repeats = (g: NoteGroup) => {
  const r = repeatedText(g, t);
  return r ? [`      ${r.count}, ${r.when}`] : [];
};

function trendLine(h: HostReport): string[] {
  if (h.trend.length === 0) return ['  trend (30 days): no nightly runs'];
  const nums = (xs: Array<number | null>) => xs.filter((x): x is number => x !== null);
  const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const d = nums(h.trend.map((r) => r.duration_seconds));
  const b = h.trend.map((r) => r.bytes);
  const sizes = nums(h.trend.map((r) => r.repository_deduplicated_bytes));
  const first = sizes[0];
  const lastSize = sizes.at(-1);
  return [
    `  trend (30 days, ${h.trend.length} nightly run(s), ${h.trend.filter((r) => r.status === 'ok' || r.status === 'warning').length} successful):`,
    `    duration: avg ${humanDuration(avg(d) * 1000)}, max ${humanDuration(Math.max(0, ...d) * 1000)}, last ${dur(h.trend.at(-1)!.duration_seconds)}`,
    `    transferred: avg ${humanBytes(Math.round(avg(b)))}, total ${humanBytes(b.reduce((x, y) => x + y, 0))}`,
    first === undefined || lastSize === undefined
      ? '    repository (deduplicated): not measured'
      : `    repository (deduplicated): ${humanBytes(first)} -> ${humanBytes(lastSize)} (${lastSize >= first ? '+' : '-'}${humanBytes(Math.abs(lastSize - first))})`,
  ];
}

function hostBlock(h: HostReport): string[] {
  const out = [`${h.host}: ${h.status.toUpperCase()}`];
  const b = h.backup;
  for (const d of h.damage ?? []) out.push(`  RED ${d.reason}`);
  out.push(`  last success: ${t(b.last_success)}${b.age_seconds !== null ? ` (${age(b.age_seconds * 1000)} ago` + (b.max_age_seconds !== null ? `, max_age ${age(b.max_age_seconds * 1000)})` : ')') : ''}`);
  if (h.last_run) {
    const r = h.last_run;
    out.push(`  last run: ${r.status} at ${t(r.started_at)}, took ${dur(r.duration_seconds)}, pulled ${humanBytes(r.bytes)} over the network (every attempt of a retried pull counted) in ${r.files} file(s), archive ${r.archive ?? '-'}`);
  } else out.push('  last run: none');
  for (const s of h.sources) {
    const lr = s.last_run ? `; last run ${s.last_run.status}, ${humanBytes(s.last_run.bytes)}, ${s.last_run.files} file(s)` : '';
    out.push(`  source ${s.source}: ${s.status.toUpperCase()} last success ${t(s.last_success)}${s.age_seconds !== null ? ` (${age(s.age_seconds * 1000)} ago)` : ''}${lr}`);
  }
  // Which files keep a source amber after a repair (the source's other files restore).
  for (const z of h.zero_filled ?? []) out.push(`  ${z.status.toUpperCase()} ${z.reason}`);
  out.push(`  jobs in the period: ${h.runs.length === 0 ? 'none' : collapseRepeats(h.runs.map((r) => `${r.kind} ${r.status}`)).join(', ')}`);
  if (h.failure_groups.length) out.push('  failures:', ...h.failure_groups.flatMap((f) => [`    ${f.step}${src(f.source)}: ${f.message}`, ...repeats(f)]));
  if (h.warning_groups.length) out.push('  warnings:', ...h.warning_groups.flatMap((w) => [`    ${w.step}${src(w.source)}: ${w.message}${w.retries ? ` (${counted(w.retries, 'retry', 'retries')})` : ''}`, ...repeats(w)]));
  if (h.partial_archives.length) out.push(`  partial archives: ${h.partial_archives.join(', ')}`);
  const a = h.archives;
  if (saysArchiveLoss(h)) out.push(`  missing archives (${h.archive_loss.status.toUpperCase()}): ${h.archive_loss.reason}`);
  out.push(`  archives: ${a.count}, ${archivesSaid(a)}`);
  const checks = h.checks.filter((c) => c.kind !== 'drill' && c.frequency !== 'never');
  out.push(`  checks: ${checks.length === 0 ? 'none configured' : checks.map((c) => `${c.kind} ${c.result ?? 'never'}${c.at ? ` ${t(c.at)}` : ''} (${c.status.toUpperCase()})`).join('; ')}`);
  for (const o of h.offsite ?? []) out.push(`  off-site ${o.target}: ${o.verified_at ? `newest verified copy ${t(o.verified_at)}` : 'no verified copy'} (${o.status.toUpperCase()}): ${o.reason}`);
  out.push(`  drill: ${h.drill ? `${h.drill.result} at ${t(h.drill.at)}, ${h.drill.matches}/${h.drill.files_sampled} sampled files matched${h.drill.error ? `: ${h.drill.error}` : ''}` : 'none'}`);
  for (const p of h.drill?.pitr ?? []) out.push(`    ${pitrDrillText(p)}`);
  if (h.restores.length) out.push('  restores:', ...h.restores.map((r) => `    #${r.id} ${r.kind} of ${r.archive} onto ${r.target}: ${r.status}${r.error ? `: ${r.error}` : ''}`));
  for (const r of h.interrupted_restores ?? []) out.push(`  INTERRUPTED: ${r.message}`);
  for (const w of h.recovery_windows ?? []) {
    const lag = w.lag_seconds === null ? '' : `, lag ${humanDuration(w.lag_seconds * 1000)}`;
    out.push(`  point-in-time recovery ${w.source}: ${w.status.toUpperCase()} from ${t(w.oldest_at)} to ${t(w.newest_at)} (${w.base_backups} base backup(s)${lag}; receiver ${w.receiver ?? 'never ran'})`);
    out.push(...w.reasons.map((r) => `    ${r}`));
  }
  out.push(...trendLine(h));
  return out;
}

/** The text report. */
export function reportText(r: ReportData): string {
  const head = [`pullback report ${t(r.generated_at)}: ${r.status.toUpperCase()} (since ${t(r.since)})`, ''];
  return [...head, ...r.hosts.flatMap((h) => [...hostBlock(h), ''])].join('\n').trimEnd();
}

