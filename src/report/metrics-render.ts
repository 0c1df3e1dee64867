// The Prometheus text (node_exporter textfile format) of the catalog's facts per host and source,
// rendered by prom-client from its own Registry (never the global default one, which would mix in
// whatever else registered there).
import type { RunFigures } from '../catalog/queries.js';
import type { Light } from './freshness.js';

export interface HostMetrics {
  host: string;
  freshness: Light;
  /** Each source's light in `pullback status` (red when stale, failed, or damaged in the repository). */
  sourceFreshness?: Array<{ source: string; light: Light }>;
  /** Open check failures of the host's repository (a damaged repository until a clean check). */
  damaged?: number;
  /** Successful (ok or warning) nightly runs only; undefined: never (exported as 0). */
  lastSuccess?: Date;
  /** The host's max_age: a last success older than this is stale. */
  maxAgeSeconds: number;
  /** When pullback first had the host configured (catalog/configured-since.ts): the grace of "never backed up". */
  firstSeen?: Date;
  lastRun?: RunFigures;
  sources: Array<{ source: string; lastSuccess?: Date; maxAgeSeconds: number; firstSeen?: Date }>;
  archives: number;
  /** Sum of the original sizes of the host's archives (not pruned). */
  repositoryBytes: number;
  /** The repository's own totals as borg last reported them (catalog/repository-sizes.ts); undefined until measured. */
  repository?: { uniqueCsize: number; totalCsize: number; measuredAt: Date };
  checks: Array<{ kind: string; at?: Date; status?: string }>;
  /** Per off-site target: when its newest verified copy was made or verified. */
  offsite?: Array<{ target: string; verifiedAt?: Date }>;
  /** Per point-in-time recovery source: its recovery window (oldest and newest point reachable) and its light. */
  recovery?: Array<{ source: string; oldest?: Date; newest?: Date; light: Light }>;
  /** The PITR drills of the host's last drill: each source's verdict and measured recovery time (seconds). */
  pitrDrills?: Array<{ source: string; status: string; rtoSeconds?: number }>;
}

/** The whole fleet as the PostgreSQL catalog has it (a fleet catalog configured and reachable). */
export interface FleetMetrics {
  backupHosts: Array<{ backupHost: string; heartbeatAt: Date; maxAgeSeconds: number }>;
  /** Every main server of every backup host; lastSuccess undefined: never (exported as 0). */
  servers: Array<{ host: string; backupHost: string; lastSuccess?: Date; maxAgeSeconds: number }>;
}

export const RUN_STATUSES = ['ok', 'warning', 'failed', 'interrupted'] as const;
const LIGHT_VALUE: Record<Light, number> = { green: 0, amber: 1, red: 2 };
const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

/**
 * Renders the metrics of every host; resolves with the text file's content. Every configured host
 * and source has its last-success series (0 when it never succeeded) beside its max_age and first
 * sight, so alert rules compute ages with time() and never depend on when the file was written.
 */
export async function renderMetrics(hosts: HostMetrics[], now = new Date(), fleet?: FleetMetrics): Promise<string> {
  // Loaded when metrics are written (after a job), not with every command.
  const { Gauge, Registry } = await import('prom-client');
  const registry = new Registry();
  const gauge = (name: string, help: string, labelNames: string[]) => new Gauge({ name: `pullback_${name}`, help, labelNames, registers: [registry] });
  const generated = gauge('metrics_generated_timestamp_seconds', 'When pullback wrote this file, Unix time: the lights (freshness) are as of then; the timestamps are not.', []);
  const lastSuccess = gauge('last_success_timestamp_seconds', 'End of the host\'s last successful (ok or warning) nightly run, Unix time; 0 when it never succeeded.', ['host']);
  const sourceSuccess = gauge('source_last_success_timestamp_seconds', 'End of the source\'s last successful backup (its pull and checks passed and the archive was made), Unix time; 0 when it never succeeded.', ['host', 'source']);
  const maxAge = gauge('max_age_seconds', 'The host\'s max_age: its last success may be this old before it is stale.', ['host']);
  const sourceMaxAge = gauge('source_max_age_seconds', 'The source\'s max_age: its last success may be this old before it is stale.', ['host', 'source']);
  const firstSeen = gauge('first_seen_timestamp_seconds', 'When pullback first had the host configured (its first run, or the first metrics written with it), Unix time.', ['host']);
  const sourceFirstSeen = gauge('source_first_seen_timestamp_seconds', 'When pullback first had the source configured (its host\'s first run, or the first metrics written with it), Unix time.', ['host', 'source']);
  const status = gauge('last_run_status', 'Status of the host\'s last nightly run: 1 for the status it had, 0 for the others.', ['host', 'status']);
  const duration = gauge('last_run_duration_seconds', 'Duration of the host\'s last nightly run.', ['host']);
  const bytes = gauge('last_run_transferred_bytes', 'Bytes rsync received in the host\'s last nightly run.', ['host']);
  const files = gauge('last_run_transferred_files', 'Files rsync transferred in the host\'s last nightly run.', ['host']);
  const srcBytes = gauge('source_last_run_transferred_bytes', 'Bytes rsync received for the source in the last nightly run.', ['host', 'source']);
  const srcFiles = gauge('source_last_run_transferred_files', 'Files rsync transferred for the source in the last nightly run.', ['host', 'source']);
  const srcOk = gauge('source_last_run_success', '1 when the source\'s steps passed (ok or warning) in the last nightly run, else 0.', ['host', 'source']);
  const archives = gauge('archives', 'Archives of the host in its repository (not pruned), per the catalog.', ['host']);
  const repoSize = gauge('repository_original_bytes', 'Sum of the original sizes of the host\'s archives (not pruned).', ['host']);
  const repoDedup = gauge('repository_deduplicated_bytes', 'What the host\'s repository holds, deduplicated and compressed (borg info: unique_csize), measured after the last night\'s prune, compaction and archive; hosts sharing a repository show the same.', ['host']);
  const repoCompressed = gauge('repository_compressed_bytes', 'Compressed size of every archive in the host\'s repository, summed before deduplication (borg info: total_csize).', ['host']);
  const repoMeasured = gauge('repository_size_timestamp_seconds', 'When the repository\'s size was measured (borg info), Unix time.', ['host']);
  const checkAt = gauge('last_check_timestamp_seconds', 'When the check (repository, archives, data) last ran, Unix time.', ['host', 'kind']);
  const checkOk = gauge('last_check_success', '1 when the check\'s last run passed, else 0.', ['host', 'kind']);
  const drillAt = gauge('last_drill_timestamp_seconds', 'When the host\'s last restore drill ran, Unix time.', ['host']);
  const drillOk = gauge('last_drill_success', '1 when the host\'s last restore drill passed (ok or warning), else 0 (failed, interrupted, or unverified: it proved nothing).', ['host']);
  const offsiteAt = gauge('offsite_last_verified_timestamp_seconds', 'When the host\'s newest off-site copy on the target whose remote check passed was made or verified, Unix time.', ['host', 'target']);
  const fresh = gauge('freshness', 'pullback status of the host: 0 green, 1 amber, 2 red, as of pullback_metrics_generated_timestamp_seconds (alert on the timestamps for staleness).', ['host']);
  const sourceFresh = gauge('source_freshness', 'pullback status of the source: 0 green, 1 amber, 2 red, as of pullback_metrics_generated_timestamp_seconds.', ['host', 'source']);
  const recOldest = gauge('recovery_oldest_timestamp_seconds', 'Point-in-time recovery: the oldest point the source can be restored to (its oldest archived base backup), Unix time.', ['host', 'source']);
  const recNewest = gauge('recovery_newest_timestamp_seconds', 'Point-in-time recovery: the newest point the source can be restored to (the newest WAL received and flushed), Unix time; alert on time() minus this.', ['host', 'source']);
  const recStatus = gauge('recovery_window_status', 'Point-in-time recovery window of the source: 0 green, 1 amber, 2 red (past max_lag, no base backup, or a WAL gap).', ['host', 'source']);
  const pitrOk = gauge('pitr_drill_success', 'Point-in-time recovery drill of the source in the host\'s last drill: 1 when it recovered exactly to its point and its checks passed, else 0 (failed, or unverified: no window yet).', ['host', 'source']);
  const pitrRto = gauge('pitr_drill_rto_seconds', 'Point-in-time recovery drill of the source in the host\'s last drill: the recovery time measured, from the start of the extraction to the scratch cluster answering queries (alert on it above your objective).', ['host', 'source']);
  const damaged = gauge('repository_damaged', 'Open failed borg checks of the host\'s repository (0 once a clean check of each failed kind passed).', ['host']);

  generated.set(seconds(now));
  if (fleet) renderFleet(gauge, fleet);
  for (const h of hosts) {
    const host = h.host;
    fresh.set({ host }, LIGHT_VALUE[h.freshness]);
    for (const s of h.sourceFreshness ?? []) sourceFresh.set({ host, source: s.source }, LIGHT_VALUE[s.light]);
    damaged.set({ host }, h.damaged ?? 0);
    // Never succeeded: 0, so the series exists and "never" is alertable (== 0), never absent.
    lastSuccess.set({ host }, h.lastSuccess ? seconds(h.lastSuccess) : 0);
    maxAge.set({ host }, h.maxAgeSeconds);
    if (h.firstSeen) firstSeen.set({ host }, seconds(h.firstSeen));
    for (const s of h.sources) {
      const labels = { host, source: s.source };
      sourceSuccess.set(labels, s.lastSuccess ? seconds(s.lastSuccess) : 0);
      sourceMaxAge.set(labels, s.maxAgeSeconds);
      if (s.firstSeen) sourceFirstSeen.set(labels, seconds(s.firstSeen));
    }
    const run = h.lastRun;
    if (run) {
      for (const st of RUN_STATUSES) status.set({ host, status: st }, run.status === st ? 1 : 0);
      if (run.durationMs !== undefined) duration.set({ host }, run.durationMs / 1000);
      bytes.set({ host }, run.bytes);
      files.set({ host }, run.files);
      for (const s of run.sources) {
        srcBytes.set({ host, source: s.source }, s.bytes);
        srcFiles.set({ host, source: s.source }, s.files);
        srcOk.set({ host, source: s.source }, s.status === 'ok' || s.status === 'warning' ? 1 : 0);
      }
    }
    archives.set({ host }, h.archives);
    repoSize.set({ host }, h.repositoryBytes);
    // No measurement yet: no series (a size borg never reported is not shown as a number).
    if (h.repository) {
      repoDedup.set({ host }, h.repository.uniqueCsize);
      repoCompressed.set({ host }, h.repository.totalCsize);
      repoMeasured.set({ host }, seconds(h.repository.measuredAt));
    }
    for (const o of h.offsite ?? []) if (o.verifiedAt) offsiteAt.set({ host, target: o.target }, seconds(o.verifiedAt));
    for (const w of h.recovery ?? []) {
      recStatus.set({ host, source: w.source }, LIGHT_VALUE[w.light]);
      if (w.oldest) recOldest.set({ host, source: w.source }, seconds(w.oldest));
      if (w.newest) recNewest.set({ host, source: w.source }, seconds(w.newest));
    }
    for (const p of h.pitrDrills ?? []) {
      pitrOk.set({ host, source: p.source }, p.status === 'ok' ? 1 : 0);
      if (p.rtoSeconds !== undefined) pitrRto.set({ host, source: p.source }, p.rtoSeconds);
    }
    for (const c of h.checks) {
      if (!c.at) continue;
      const passed = c.status === 'ok' || c.status === 'warning' ? 1 : 0;
      if (c.kind === 'drill') {
        drillAt.set({ host }, seconds(c.at));
        drillOk.set({ host }, passed);
      } else {
        checkAt.set({ host, kind: c.kind }, seconds(c.at));
        checkOk.set({ host, kind: c.kind }, passed);
      }
    }
  }
  return registry.metrics();
}

type GaugeOf = (name: string, help: string, labelNames: string[]) => { set(labels: Record<string, string>, value: number): void };

/** The fleet's series: every backup host's heartbeat and every main server's last success on its backup host. */
function renderFleet(gauge: GaugeOf, fleet: FleetMetrics): void {
  const heartbeat = gauge('fleet_backup_host_heartbeat_timestamp_seconds', "The backup host's last heartbeat in the fleet catalog (PostgreSQL's clock), Unix time; every backup host exports the whole fleet's.", ['backup_host']);
  const hostMaxAge = gauge('fleet_backup_host_max_age_seconds', "The largest max_age of the backup host's servers: a heartbeat older than this makes it red (it missed its night).", ['backup_host']);
  const serverSuccess = gauge('fleet_server_last_success_timestamp_seconds', 'End of the main server\'s last successful nightly backup on that backup host, per the fleet catalog, Unix time; 0 when it never succeeded there.', ['host', 'backup_host']);
  const serverMaxAge = gauge('fleet_server_max_age_seconds', "The main server's max_age, as its backup host's config has it.", ['host', 'backup_host']);
  for (const b of fleet.backupHosts) {
    heartbeat.set({ backup_host: b.backupHost }, seconds(b.heartbeatAt));
    hostMaxAge.set({ backup_host: b.backupHost }, b.maxAgeSeconds);
  }
  for (const s of fleet.servers) {
    const labels = { host: s.host, backup_host: s.backupHost };
    serverSuccess.set(labels, s.lastSuccess ? seconds(s.lastSuccess) : 0);
    serverMaxAge.set(labels, s.maxAgeSeconds);
  }
}
