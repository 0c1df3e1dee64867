// Read-only catalog queries behind `pullback status`, the report and the metrics: what succeeded
// when, per host and per source, and what the checks, drills and archives say.
import type { Catalog } from './catalog.js';
import { checkHost } from './catalog.js';

export interface LastJob {
  runId: number;
  kind: string;
  status: string;
  startedAt: string;
  endedAt?: string;
  error?: string;
}

/** The host's most recent finished job (a run, check, prune or drill; restores are not its jobs), or undefined. */
export function lastJob(catalog: Catalog, host: string): LastJob | undefined {
  const row = catalog.db
    .prepare(
      `SELECT h.run_id, r.kind, h.status, h.started_at, h.ended_at, h.error FROM host_results h JOIN runs r ON r.id = h.run_id
       WHERE h.host = ? AND r.kind IN ('run', 'check', 'prune', 'drill') AND h.status <> 'running'
       ORDER BY h.started_at DESC, h.id DESC LIMIT 1`,
    )
    .get(host) as { run_id: number; kind: string; status: string; started_at: string; ended_at: string | null; error: string | null } | undefined;
  if (!row) return undefined;
  return { runId: row.run_id, kind: row.kind, status: row.status, startedAt: row.started_at, endedAt: row.ended_at ?? undefined, error: row.error ?? undefined };
}

/** The steps that make a source's backup: a source succeeded in a run when none failed and its pull passed. */
const SOURCE_STEPS = "('dump', 'pull', 'verify')";
/**
 * The steps of a source's attempt: its backup's, and dump_times, whose failure (a dump dated in the
 * future, refused) archives the source's other dumps yet makes its attempt failed, named in status.
 */
const ATTEMPT_STEPS = "('dump', 'pull', 'dump_times', 'verify')";

/**
 * When the source was last backed up: the end of its steps in the latest nightly run where its
 * dump, pull and verify all passed (ok or warning) and the host's archive step passed too. A
 * partial archive that carried the source's older state is not its success (its pull failed), nor
 * is a night whose archive borg no longer lists (vanished or lost: catalog/vanished.ts).
 */
export function lastSourceSuccess(catalog: Catalog, host: string, source: string): { at: string; runId: number } | undefined {
  const row = catalog.db
    .prepare(
      `SELECT s.run_id, MAX(s.ended_at) AS at,
              SUM(CASE WHEN s.status NOT IN ('ok', 'warning') THEN 1 ELSE 0 END) AS bad,
              SUM(CASE WHEN s.step = 'pull' AND s.status IN ('ok', 'warning') THEN 1 ELSE 0 END) AS pulled
       FROM steps s JOIN runs r ON r.id = s.run_id
       WHERE r.kind = 'run' AND s.host = ? AND s.source = ? AND s.step IN ${SOURCE_STEPS}
         AND EXISTS (SELECT 1 FROM steps a WHERE a.run_id = s.run_id AND a.host = s.host AND a.step = 'archive' AND a.status IN ('ok', 'warning'))
         AND NOT EXISTS (SELECT 1 FROM archives v WHERE v.run_id = s.run_id AND v.host = s.host AND v.vanished_at IS NOT NULL)
       GROUP BY s.run_id HAVING bad = 0 AND pulled > 0
       ORDER BY at DESC LIMIT 1`,
    )
    .get(host, source) as { run_id: number; at: string } | undefined;
  return row ? { at: row.at, runId: row.run_id } : undefined;
}

/** The source's latest attempt in a nightly run: failed when any of its steps failed or was interrupted. */
export function lastSourceAttempt(catalog: Catalog, host: string, source: string): { at: string; status: 'ok' | 'warning' | 'failed'; error?: string } | undefined {
  const rows = catalog.db
    .prepare(
      `SELECT s.status, s.error, s.started_at FROM steps s
       WHERE s.host = ? AND s.source = ? AND s.step IN ${ATTEMPT_STEPS} AND s.status <> 'running'
         AND s.run_id = (SELECT MAX(t.run_id) FROM steps t JOIN runs r ON r.id = t.run_id WHERE r.kind = 'run' AND t.host = ? AND t.source = ? AND t.step IN ${ATTEMPT_STEPS})
       ORDER BY s.id`,
    )
    .all(host, source, host, source) as Array<{ status: string; error: string | null; started_at: string }>;
  if (rows.length === 0) return undefined;
  const bad = rows.find((r) => r.status !== 'ok' && r.status !== 'warning');
  const warn = rows.find((r) => r.status === 'warning');
  const status = bad ? 'failed' : warn ? 'warning' : 'ok';
  return { at: rows[0]!.started_at, status, error: (bad ?? warn)?.error ?? undefined };
}

export interface CheckRecord {
  kind: string;
  at: string;
  status: string;
}

/** The latest outcome of a check kind for the host (the repository check per repository), or undefined when never run. */
export function lastCheckRecord(catalog: Catalog, repository: string, kind: string, host: string): CheckRecord | undefined {
  const row = catalog.db
    .prepare('SELECT last_run_at, status FROM check_history WHERE repository = ? AND host = ? AND kind = ?')
    .get(repository, checkHost(kind, host), kind) as { last_run_at: string; status: string } | undefined;
  return row ? { kind, at: row.last_run_at, status: row.status } : undefined;
}

export interface RepoStats {
  archives: number;
  /** Sum of the deduplicated sizes of the host's unpruned archives: what they occupy in the repository. */
  deduplicatedSize: number;
  /** Sum of the original sizes of the host's unpruned archives. */
  originalSize: number;
  lastArchive?: { name: string; createdAt: string; partial: boolean };
}

/** The host's unpruned archives in `repository` as the catalog recorded them. */
export function repoStats(catalog: Catalog, repository: string, host: string): RepoStats {
  const row = catalog.db
    .prepare(
      `SELECT COUNT(*) AS n, COALESCE(SUM(deduplicated_size), 0) AS dedup, COALESCE(SUM(original_size), 0) AS orig
       FROM archives WHERE repository = ? AND host = ? AND pruned_at IS NULL AND name NOT LIKE '%-pre-restore-%'`,
    )
    .get(repository, host) as { n: number; dedup: number; orig: number };
  const last = catalog.db
    .prepare(
      `SELECT name, created_at, manifest FROM archives WHERE repository = ? AND host = ? AND name NOT LIKE '%-pre-restore-%'
       ORDER BY created_at DESC LIMIT 1`,
    )
    .get(repository, host) as { name: string; created_at: string; manifest: string | null } | undefined;
  const out: RepoStats = { archives: row.n, deduplicatedSize: row.dedup, originalSize: row.orig };
  if (last) out.lastArchive = { name: last.name, createdAt: last.created_at, partial: isPartial(last.manifest) };
  return out;
}

/** True for a manifest that says the archive is partial. */
export function isPartial(manifest: string | null): boolean {
  if (!manifest) return false;
  try {
    return Boolean((JSON.parse(manifest) as { partial?: unknown }).partial);
  } catch {
    return false;
  }
}

export interface RunFigures {
  runId: number;
  kind: string;
  status: string;
  startedAt: string;
  endedAt?: string;
  durationMs?: number;
  archive?: string;
  error?: string;
  /** Pulled bytes and files of the run's pull steps (the host total). */
  bytes: number;
  files: number;
  sources: Array<{ source: string; status: string; bytes: number; files: number; error?: string }>;
}

type HostRow = { id: number; run_id: number; kind: string; status: string; started_at: string; ended_at: string | null; archive: string | null; error: string | null };

function figures(catalog: Catalog, h: HostRow, host: string): RunFigures {
  const steps = catalog.db
    .prepare(`SELECT source, step, status, bytes, files, error FROM steps WHERE run_id = ? AND host = ? AND source IS NOT NULL AND step IN ${SOURCE_STEPS} ORDER BY id`)
    .all(h.run_id, host) as Array<{ source: string; step: string; status: string; bytes: number | null; files: number | null; error: string | null }>;
  const bySource = new Map<string, RunFigures['sources'][number]>();
  const rank: Record<string, number> = { ok: 0, skipped: 1, warning: 2, interrupted: 3, failed: 4 };
  for (const s of steps) {
    const cur = bySource.get(s.source) ?? { source: s.source, status: 'ok', bytes: 0, files: 0 };
    if (s.step === 'pull') {
      cur.bytes += s.bytes ?? 0;
      cur.files += s.files ?? 0;
    }
    if ((rank[s.status] ?? 0) > (rank[cur.status] ?? 0)) {
      cur.status = s.status;
      if (s.error) cur.error = s.error;
    }
    bySource.set(s.source, cur);
  }
  const sources = [...bySource.values()];
  const out: RunFigures = {
    runId: h.run_id,
    kind: h.kind,
    status: h.status,
    startedAt: h.started_at,
    bytes: sources.reduce((a, s) => a + s.bytes, 0),
    files: sources.reduce((a, s) => a + s.files, 0),
    sources,
  };
  if (h.ended_at) {
    out.endedAt = h.ended_at;
    out.durationMs = new Date(h.ended_at).getTime() - new Date(h.started_at).getTime();
  }
  if (h.archive) out.archive = h.archive;
  if (h.error) out.error = h.error;
  return out;
}

const HOST_ROW = `SELECT h.id, h.run_id, r.kind, h.status, h.started_at, h.ended_at, h.archive, h.error FROM host_results h JOIN runs r ON r.id = h.run_id`;

/** The host's latest finished nightly run with its pulled figures, or undefined before the first. */
export function lastRunFigures(catalog: Catalog, host: string): RunFigures | undefined {
  const h = catalog.db.prepare(`${HOST_ROW} WHERE h.host = ? AND r.kind = 'run' AND h.status <> 'running' ORDER BY h.started_at DESC, h.id DESC LIMIT 1`).get(host) as HostRow | undefined;
  return h ? figures(catalog, h, host) : undefined;
}

/** The host's finished jobs (nightly runs, checks, prunes, drills) started at or after `since`, oldest first. */
export function runsSince(catalog: Catalog, host: string, since: Date): RunFigures[] {
  const rows = catalog.db
    .prepare(`${HOST_ROW} WHERE h.host = ? AND r.kind IN ('run', 'check', 'prune', 'drill') AND h.status <> 'running' AND h.started_at >= ? ORDER BY h.started_at, h.id`)
    .all(host, since.toISOString()) as HostRow[];
  return rows.map((h) => figures(catalog, h, host));
}

export interface StepNote {
  runId: number;
  step: string;
  source?: string;
  status: string;
  error?: string;
  /** Transport retries: attempts beyond the first (pull steps). */
  retries: number;
  at: string;
}

/** Steps of the host that warned or failed, or were retried, since `since` (the report's warnings and failures). */
export function stepNotesSince(catalog: Catalog, host: string, since: Date): StepNote[] {
  const rows = catalog.db
    .prepare(
      `SELECT s.run_id, s.step, s.source, s.status, s.error, s.details, s.started_at FROM steps s
       WHERE s.host = ? AND s.started_at >= ? AND s.status IN ('ok', 'warning', 'failed', 'interrupted') ORDER BY s.id`,
    )
    .all(host, since.toISOString()) as Array<{ run_id: number; step: string; source: string | null; status: string; error: string | null; details: string | null; started_at: string }>;
  const out: StepNote[] = [];
  for (const r of rows) {
    let retries = 0;
    try {
      const d = r.details ? (JSON.parse(r.details) as { attempts?: unknown }) : undefined;
      if (typeof d?.attempts === 'number' && d.attempts > 1) retries = d.attempts - 1;
    } catch {
      // details that are not JSON carry no retry count
    }
    if (r.status === 'ok' && retries === 0) continue;
    out.push({ runId: r.run_id, step: r.step, ...(r.source ? { source: r.source } : {}), status: r.status, ...(r.error ? { error: r.error } : {}), retries, at: r.started_at });
  }
  return out;
}

export interface ArchiveRow {
  name: string;
  createdAt: string;
  originalSize: number;
  deduplicatedSize: number;
  nfiles: number;
  partial: boolean;
  prunedAt?: string;
}

/** Every nightly archive of the host in `repository` the catalog recorded (pruned ones too), oldest first. */
export function archivesOf(catalog: Catalog, repository: string, host: string): ArchiveRow[] {
  const rows = catalog.db
    .prepare(
      `SELECT name, created_at, original_size, deduplicated_size, nfiles, manifest, pruned_at FROM archives
       WHERE repository = ? AND host = ? AND name NOT LIKE '%-pre-restore-%' ORDER BY created_at`,
    )
    .all(repository, host) as Array<{ name: string; created_at: string; original_size: number | null; deduplicated_size: number | null; nfiles: number | null; manifest: string | null; pruned_at: string | null }>;
  return rows.map((r) => ({
    name: r.name,
    createdAt: r.created_at,
    originalSize: r.original_size ?? 0,
    deduplicatedSize: r.deduplicated_size ?? 0,
    nfiles: r.nfiles ?? 0,
    partial: isPartial(r.manifest),
    ...(r.pruned_at ? { prunedAt: r.pruned_at } : {}),
  }));
}

export interface DrillRow {
  at: string;
  status: string;
  archive?: string;
  filesSampled: number;
  matches: number;
  error?: string;
  /** Its point-in-time recovery drills (kept in the row's databases column with kind 'pitr'). */
  pitr: PitrDrillRow[];
}

/** One PITR drill of a drill row: the point, the verdict and the measured recovery time (seconds). */
export interface PitrDrillRow {
  source: string;
  status: string;
  target?: string;
  rtoSeconds?: number;
  extractionSeconds?: number;
  replaySeconds?: number;
  error?: string;
}

/** The PITR drills of a drill row's databases column (entries with kind 'pitr'); none for a row that cannot be read. */
export function pitrDrillsOf(databases: string | null): PitrDrillRow[] {
  let all: unknown;
  try {
    all = JSON.parse(databases ?? '[]');
  } catch {
    return [];
  }
  if (!Array.isArray(all)) return [];
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return all
    .filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null && (x as Record<string, unknown>).kind === 'pitr')
    .map((x) => {
      const row: PitrDrillRow = { source: String(x.source), status: String(x.status) };
      const target = str(x.target);
      const rto = num(x.rto_seconds);
      const extraction = num(x.extraction_seconds);
      const replay = num(x.replay_seconds);
      const error = str(x.error);
      return { ...row, ...(target ? { target } : {}), ...(rto !== undefined ? { rtoSeconds: rto } : {}), ...(extraction !== undefined ? { extractionSeconds: extraction } : {}), ...(replay !== undefined ? { replaySeconds: replay } : {}), ...(error ? { error } : {}) };
    });
}

/** The host's latest finished drill, or undefined when none ran. */
export function lastDrill(catalog: Catalog, host: string): DrillRow | undefined {
  const r = catalog.db
    .prepare("SELECT started_at, ended_at, status, archive, files_sampled, matches, error, databases FROM drills WHERE host = ? AND status <> 'running' ORDER BY started_at DESC LIMIT 1")
    .get(host) as { started_at: string; ended_at: string | null; status: string; archive: string | null; files_sampled: number; matches: number; error: string | null; databases: string | null } | undefined;
  if (!r) return undefined;
  return { at: r.ended_at ?? r.started_at, status: r.status, ...(r.archive ? { archive: r.archive } : {}), filesSampled: r.files_sampled, matches: r.matches, ...(r.error ? { error: r.error } : {}), pitr: pitrDrillsOf(r.databases) };
}

export interface RestoreRow {
  id: number;
  kind: string;
  host: string;
  target: string;
  archive: string;
  status: string;
  startedAt: string;
  endedAt?: string;
  error?: string;
}

/** Restores and rollbacks of or onto the host started at or after `since`. */
export function restoresSince(catalog: Catalog, host: string, since: Date): RestoreRow[] {
  const rows = catalog.db
    .prepare('SELECT id, kind, host, target, archive, status, started_at, ended_at, error FROM restores WHERE (host = ? OR target = ?) AND started_at >= ? ORDER BY started_at')
    .all(host, host, since.toISOString()) as Array<{ id: number; kind: string; host: string; target: string; archive: string; status: string; started_at: string; ended_at: string | null; error: string | null }>;
  return rows.map((r) => ({ id: r.id, kind: r.kind, host: r.host, target: r.target, archive: r.archive, status: r.status, startedAt: r.started_at, ...(r.ended_at ? { endedAt: r.ended_at } : {}), ...(r.error ? { error: r.error } : {}) }));
}

/** Whether a nightly run of `host` other than `exceptRunId`, started after `since`, failed or was interrupted (refused nights are recorded failed). */
export function nightFailedSince(catalog: Catalog, host: string, since: Date, exceptRunId?: number): boolean {
  const row = catalog.db
    // Started after `since`, or ended after it: the night that recorded the owed prune is one of them
    // (it records it before its checks end): a failure after that point voids it too.
    .prepare("SELECT 1 FROM host_results h JOIN runs r ON r.id = h.run_id WHERE r.kind = 'run' AND h.host = ? AND (h.started_at > ? OR h.ended_at >= ?) AND h.status IN ('failed', 'interrupted') AND h.run_id IS NOT ? LIMIT 1")
    .get(host, since.toISOString(), since.toISOString(), exceptRunId ?? null);
  return row !== undefined;
}
