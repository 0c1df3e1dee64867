// What the morning report says, gathered from the catalog per host: the period's jobs, warnings and
// failures with their error lines, archives and repository growth, checks, drills, restores, and
// 30-day trends. Plain data (the JSON format is exactly this); report/text.ts formats it.
import type { Catalog } from '../catalog/catalog.js';
import { archivesOf, lastDrill, lastRunFigures, restoresSince, runsSince, stepNotesSince, type RunFigures } from '../catalog/queries.js';
import { repositoryPath, type Config } from '../config/types.js';
import { backupCell, judgeFreshness, worst, type Light } from './freshness.js';
import { hostFacts } from './freshness-facts.js';
import { recoveryWindows } from '../archive/recovery-windows.js';
import { windowJson } from '../archive/recovery-window.js';
import { counted, humanBytes } from '../util/table.js';
import { repositorySizeAt, type RepositorySize } from '../catalog/repository-sizes.js';
import { groupNotes, type NoteGroup } from './grouping.js';

const DAY = 86400_000;
export const TREND_DAYS = 30;

const secs = (ms: number | undefined) => (ms === undefined ? null : Math.round(ms / 1000));

/** A PITR drill of the host's last drill: the point, the verdict, the measured recovery time (seconds). */
export interface PitrDrillLine {
  source: string;
  status: string;
  target: string | null;
  rto_seconds: number | null;
  extraction_seconds: number | null;
  replay_seconds: number | null;
  error: string | null;
}

export interface RunLine {
  run_id: number;
  kind: string;
  status: string;
  started_at: string;
  ended_at: string | null;
  duration_seconds: number | null;
  bytes: number;
  files: number;
  archive: string | null;
  error: string | null;
}

/** A point-in-time recovery source's window (archive/recovery-window.ts windowJson). */
export interface RecoveryWindowLine {
  host: string;
  source: string;
  status: Light;
  oldest_at: string | null;
  newest_at: string | null;
  lag_seconds: number | null;
  receiver: string | null;
  base_backups: number;
  reasons: string[];
}

export interface HostReport {
  host: string;
  status: Light;
  /** The host's BACKUP cell as `pullback status` shows it (freshness.ts backupCell: an interrupted restore onto the host makes it red). */
  backup: { status: Light; last_success: string | null; age_seconds: number | null; max_age_seconds: number | null; reason: string };
  last_run: RunLine | null;
  runs: RunLine[];
  sources: Array<{ source: string; status: Light; last_success: string | null; age_seconds: number | null; max_age_seconds: number | null; reason: string; last_run: { status: string; bytes: number; files: number; error: string | null } | null }>;
  /** `at`: when the step started. */
  warnings: Array<{ run_id: number; step: string; source: string | null; status: string; retries: number; message: string; at: string }>;
  failures: Array<{ run_id: number; step: string; source: string | null; message: string; at: string }>;
  /** The failures, one per distinct (step, source, message), with their count and first and last time (what the text and HTML show). */
  failure_groups: NoteGroup[];
  /** The warnings grouped likewise (retries part of what makes two identical). */
  warning_groups: NoteGroup[];
  partial_archives: string[];
  /**
   * repository_bytes: the original sizes of the kept archives, summed; deduplicated_bytes and
   * compressed_bytes: borg's own totals of the repository (unique_csize, total_csize) as measured
   * at size_measured_at (null until a night or `pullback prune` measured it); growth_bytes: the
   * change of deduplicated_bytes over the period (null when no measurement tells where it began).
   */
  archives: { count: number; repository_bytes: number; deduplicated_bytes: number | null; compressed_bytes: number | null; size_measured_at: string | null; growth_bytes: number | null; last: string | null };
  /** Archives recorded that the repository no longer holds: gone (not yet accepted) or lost (report/archive-loss.ts). */
  archive_loss: { status: Light; reason: string };
  checks: Array<{ kind: string; frequency: string; status: Light; at: string | null; result: string | null; reason: string }>;
  /** Open check failures (a damaged repository): what failed, when, the files named, the next command. */
  damage?: Array<{ kinds: string[]; failed_at: string | null; reason: string }>;
  /**
   * Files `pullback check --repair` zero-filled in the host's archives, per source, while unresolved
   * (present only then): each file with how many archives hold it zero-filled and the newest; only
   * these files are refused by a restore, the rest of their source restores.
   */
  zero_filled?: Array<{ source: string | null; status: Light; repaired_at: string; files: Array<{ path: string; archives: number; newest_archive: string }>; reason: string }>;
  /** Per off-site target: the newest verified copy and its age. */
  offsite?: Array<{ target: string; status: Light; verified_at: string | null; age_seconds: number | null; reason: string }>;
  drill: { at: string; result: string; archive: string | null; files_sampled: number; matches: number; error: string | null; pitr: PitrDrillLine[] } | null;
  restores: Array<{ id: number; kind: string; host: string; target: string; archive: string; status: string; started_at: string; ended_at: string | null; error: string | null }>;
  /** Restores onto the host that were interrupted and not resolved since (whenever they ran): each keeps the host red. */
  interrupted_restores: Array<{ id: number; rollback_command: string | null; message: string }>;
  /** Each point-in-time recovery source's recovery window (none without pitr: sources). */
  recovery_windows?: RecoveryWindowLine[];
  /** repository_deduplicated_bytes: borg's unique_csize as last measured by the run's end (null before any measurement). */
  trend: Array<{ at: string; status: string; duration_seconds: number | null; bytes: number; files: number; repository_deduplicated_bytes: number | null }>;
}

/** The archives' line of the text and HTML reports (after the count): their original size, the repository's size as borg measured it, growth. */
export function archivesSaid(a: HostReport['archives']): string {
  const repo =
    a.deduplicated_bytes === null
      ? 'repository size not measured yet (after the next nightly run or pullback prune)'
      : `repository ${humanBytes(a.deduplicated_bytes)} deduplicated and compressed (borg, ${a.size_measured_at?.replace(/\.\d{3}Z$/, 'Z')})`;
  const growth = a.growth_bytes === null ? 'unknown' : `${a.growth_bytes < 0 ? '-' : ''}${humanBytes(Math.abs(a.growth_bytes))}`;
  return `${humanBytes(a.repository_bytes)} original; ${repo}; growth in the period ${growth}`;
}

/** Whether the report says anything about the host's archives: some are gone or were accepted as lost (text and HTML alike). */
export function saysArchiveLoss(h: Pick<HostReport, 'archive_loss'>): boolean {
  return h.archive_loss.status !== 'green' || !/^every archive/.test(h.archive_loss.reason);
}

export interface ReportData {
  generated_at: string;
  since: string;
  status: Light;
  hosts: HostReport[];
}

function runLine(r: RunFigures): RunLine {
  return { run_id: r.runId, kind: r.kind, status: r.status, started_at: r.startedAt, ended_at: r.endedAt ?? null, duration_seconds: secs(r.durationMs), bytes: r.bytes, files: r.files, archive: r.archive ?? null, error: r.error ?? null };
}

/** The report of every host in `config` for the period from `since` to `now`. */
export function gatherReport(config: Config, catalog: Catalog, since: Date, now = new Date()): ReportData {
  const hosts = config.hosts.map((h): HostReport => {
    const repository = repositoryPath(config.global, h.name);
    const facts = hostFacts(config, catalog, h);
    const verdict = judgeFreshness(facts, now);
    const backup = backupCell(verdict);
    const last = lastRunFigures(catalog, h.name);
    const notes = stepNotesSince(catalog, h.name, since);
    const archives = archivesOf(catalog, repository, h.name);
    const kept = archives.filter((a) => !a.prunedAt);
    const inPeriod = archives.filter((a) => new Date(a.createdAt) >= since);
    const size = repositorySizeAt(catalog, repository);
    const drill = lastDrill(catalog, h.name);
    const trendFrom = new Date(now.getTime() - TREND_DAYS * DAY);
    const nightly = runsSince(catalog, h.name, trendFrom).filter((r) => r.kind === 'run');
    // Point-in-time recovery sources: their recovery windows, whose light counts as the host's (as in status).
    const windows = recoveryWindows(config.global, [h], catalog, now);
    const warnings = notes
      .filter((n) => n.status === 'warning' || (n.status === 'ok' && n.retries > 0))
      .map((n) => ({ run_id: n.runId, step: n.step, source: n.source ?? null, status: n.status, retries: n.retries, message: n.error ?? `succeeded after ${counted(n.retries, 'retry', 'retries')}`, at: n.at }));
    const failures = notes
      .filter((n) => n.status === 'failed' || n.status === 'interrupted')
      .map((n) => ({ run_id: n.runId, step: n.step, source: n.source ?? null, message: n.error ?? n.status, at: n.at }));
    return {
      host: h.name,
      status: worst([verdict.light, ...windows.map((w) => w.light)]),
      backup: { status: backup.light, last_success: backup.at?.toISOString() ?? null, age_seconds: secs(backup.ageMs), max_age_seconds: secs(backup.limitMs), reason: backup.reason },
      last_run: last ? runLine(last) : null,
      runs: runsSince(catalog, h.name, since).map(runLine),
      sources: verdict.sources.map((s) => {
        const lr = last?.sources.find((x) => x.source === s.name);
        return {
          source: s.name,
          status: s.light,
          last_success: s.at?.toISOString() ?? null,
          age_seconds: secs(s.ageMs),
          max_age_seconds: secs(s.limitMs),
          reason: s.reason,
          last_run: lr ? { status: lr.status, bytes: lr.bytes, files: lr.files, error: lr.error ?? null } : null,
        };
      }),
      warnings,
      failures,
      failure_groups: groupNotes(failures),
      warning_groups: groupNotes(warnings),
      partial_archives: inPeriod.filter((a) => a.partial).map((a) => a.name),
      archives: {
        count: kept.length,
        repository_bytes: kept.reduce((a, x) => a + x.originalSize, 0),
        deduplicated_bytes: size?.uniqueCsize ?? null,
        compressed_bytes: size?.totalCsize ?? null,
        size_measured_at: size?.measuredAt.toISOString() ?? null,
        growth_bytes: growth(size, repositorySizeAt(catalog, repository, since), archives[0] !== undefined && new Date(archives[0].createdAt) >= since),
        last: archives.at(-1)?.name ?? null,
      },
      archive_loss: { status: verdict.archiveLoss.light, reason: withoutPrefix(verdict.archiveLoss.reason, `${h.name}: archives: `) },
      checks: verdict.checks.map((c) => ({ kind: c.kind, frequency: c.frequency, status: c.light, at: c.at?.toISOString() ?? null, result: c.status ?? null, reason: c.reason })),
      damage: verdict.damage.map((d) => ({ kinds: d.kind.split('+'), failed_at: d.at?.toISOString() ?? null, reason: withoutPrefix(d.reason, `${h.name}: `) })),
      ...(facts.repaired?.length
        ? {
            zero_filled: facts.repaired.map((z, i) => ({
              source: z.source ?? null,
              status: verdict.repaired[i]!.light,
              repaired_at: z.repairedAt.toISOString(),
              files: z.files.map((f) => ({ path: f.path, archives: f.archives, newest_archive: f.newest })),
              reason: verdict.repaired[i]!.reason,
            })),
          }
        : {}),
      offsite: verdict.offsite.map((o) => ({ target: o.target, status: o.light, verified_at: o.at?.toISOString() ?? null, age_seconds: secs(o.ageMs), reason: withoutPrefix(o.reason, `${h.name}: off-site ${o.target}: `) })),
      drill: drill
        ? {
            at: drill.at, result: drill.status, archive: drill.archive ?? null, files_sampled: drill.filesSampled, matches: drill.matches, error: drill.error ?? null,
            pitr: drill.pitr.map((x) => ({ source: x.source, status: x.status, target: x.target ?? null, rto_seconds: x.rtoSeconds ?? null, extraction_seconds: x.extractionSeconds ?? null, replay_seconds: x.replaySeconds ?? null, error: x.error ?? null })),
          }
        : null,
      restores: restoresSince(catalog, h.name, since).map((r) => ({ id: r.id, kind: r.kind, host: r.host, target: r.target, archive: r.archive, status: r.status, started_at: r.startedAt, ended_at: r.endedAt ?? null, error: r.error ?? null })),
      interrupted_restores: (facts.interruptedRestores ?? []).map((f) => ({ id: f.id, rollback_command: f.rollbackCommand ?? null, message: f.text })),
      ...(windows.length ? { recovery_windows: windows.map(windowJson) as RecoveryWindowLine[] } : {}),
      trend: nightly.map((r) => {
        const end = new Date(r.endedAt ?? r.startedAt);
        return { at: r.startedAt, status: r.status, duration_seconds: secs(r.durationMs), bytes: r.bytes, files: r.files, repository_deduplicated_bytes: repositorySizeAt(catalog, repository, end)?.uniqueCsize ?? null };
      }),
    };
  });
  return { generated_at: now.toISOString(), since: since.toISOString(), status: worst(hosts.map((h) => h.status)), hosts };
}

/**
 * How much the repository grew over the period: its size now less its size when the period began
 * (nothing, when its first archive was made in the period); null when no measurement says that.
 */
function growth(now: RepositorySize | undefined, atStart: RepositorySize | undefined, createdInPeriod: boolean): number | null {
  if (!now) return null;
  if (atStart) return now.uniqueCsize - atStart.uniqueCsize;
  return createdInPeriod ? now.uniqueCsize : null;
}

/** The report names the host and target already: the status line's own prefix would repeat them. */
function withoutPrefix(text: string, prefix: string): string {
  return text.startsWith(prefix) ? text.slice(prefix.length) : text;
}

/** A PITR drill of the last drill, for people: "PITR db to 2026-12-07 14:32:00.000 UTC: ok, RTO 9.4 s (extraction 2.1 s, WAL replay 7.3 s)". */
export function pitrDrillText(p: PitrDrillLine): string {
  const to = p.target ? ` to ${p.target.replace('T', ' ').replace('Z', ' UTC')}` : '';
  const rto = p.rto_seconds === null ? '' : `, RTO ${p.rto_seconds} s (extraction ${p.extraction_seconds} s, WAL replay ${p.replay_seconds} s)`;
  return `PITR ${p.source}${to}: ${p.status}${rto}${p.error ? `: ${p.error}` : ''}`;
}
