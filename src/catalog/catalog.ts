// The run catalog: what ran, when, on which host, with what outcome. Later commands (report,
// restore, drill) read it; every write here is small and synchronous (better-sqlite3).
import { join } from 'node:path';
import { isGone, selfIdentity } from '../util/process-identity.js';
import { openCatalogDb, type Db } from './db.js';

export type Status = 'running' | 'ok' | 'warning' | 'failed' | 'skipped' | 'interrupted';
/** A check's outcome: a drill may also be 'unverified' (it ran and proved nothing; not ok, not a failure). */
export type CheckStatus = Status | 'unverified';

export interface StepRecord {
  status: Status;
  bytes?: number;
  files?: number;
  exitCode?: number;
  error?: string;
  details?: unknown;
}

export interface ArchiveRecord {
  repository: string;
  host: string;
  name: string;
  runId?: number;
  createdAt: string;
  originalSize?: number;
  compressedSize?: number;
  deduplicatedSize?: number;
  nfiles?: number;
  manifest?: unknown;
}

const now = () => new Date().toISOString();

/** The host part of a check's key: '' for the repository check (once per repository), else the host. */
export function checkHost(kind: string, host: string): string {
  // The repository check and compaction are per repository; archives, data and drill per host.
  return kind === 'repository' || kind === 'compact' ? '' : host;
}

/** The catalog of one state directory. */
export class Catalog {
  readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  /** Opens `<stateDir>/catalog.db`, migrating it if needed. */
  static open(stateDir: string): Catalog {
    return new Catalog(openCatalogDb(join(stateDir, 'catalog.db')));
  }

  close(): void {
    this.db.close();
  }

  startRun(kind: string, args: unknown): number {
    const me = selfIdentity();
    const r = this.db
      .prepare('INSERT INTO runs (kind, started_at, status, pid, pid_start, boot_id, args) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(kind, now(), 'running', me.pid, me.start ?? null, me.bootId ?? null, JSON.stringify(args));
    return Number(r.lastInsertRowid);
  }

  finishRun(id: number, status: Status, error?: string): void {
    this.db.prepare('UPDATE runs SET ended_at = ?, status = ?, error = ? WHERE id = ?').run(now(), status, error ?? null, id);
  }

  startHost(runId: number, host: string): number {
    const r = this.db
      .prepare('INSERT INTO host_results (run_id, host, started_at, status) VALUES (?, ?, ?, ?)')
      .run(runId, host, now(), 'running');
    return Number(r.lastInsertRowid);
  }

  finishHost(id: number, status: Status, archive?: string, error?: string): void {
    this.db
      .prepare('UPDATE host_results SET ended_at = ?, status = ?, archive = ?, error = ? WHERE id = ?')
      .run(now(), status, archive ?? null, error ?? null, id);
  }

  startStep(runId: number, host: string, step: string, source?: string): number {
    const r = this.db
      .prepare('INSERT INTO steps (run_id, host, step, source, started_at, status) VALUES (?, ?, ?, ?, ?, ?)')
      .run(runId, host, step, source ?? null, now(), 'running');
    return Number(r.lastInsertRowid);
  }

  finishStep(id: number, rec: StepRecord): void {
    this.db
      .prepare(
        'UPDATE steps SET ended_at = ?, status = ?, bytes = ?, files = ?, exit_code = ?, error = ?, details = ? WHERE id = ?',
      )
      .run(
        now(),
        rec.status,
        rec.bytes ?? null,
        rec.files ?? null,
        rec.exitCode ?? null,
        rec.error ?? null,
        rec.details === undefined ? null : JSON.stringify(rec.details),
        id,
      );
  }

  /** Marks every step, host and drill still 'running' in a run as interrupted (after a signal, or its process died). */
  interruptRun(runId: number, error = 'interrupted by a signal'): void {
    const t = now();
    this.db.prepare("UPDATE steps SET status = 'interrupted', ended_at = ? WHERE run_id = ? AND status = 'running'").run(t, runId);
    this.db.prepare("UPDATE drills SET status = 'interrupted', ended_at = ?, error = ? WHERE run_id = ? AND status = 'running'").run(t, error, runId);
    this.db
      .prepare("UPDATE host_results SET status = 'interrupted', ended_at = ? WHERE run_id = ? AND status = 'running'")
      .run(t, runId);
    this.finishRun(runId, 'interrupted', error);
  }

  /**
   * Runs left 'running' by a process that is gone (SIGKILL, a crash, a power cut): each is marked
   * interrupted with its running steps and hosts. Tells a dead process from a live one by PID,
   * start time and boot id, never by PID alone. Returns what it marked.
   */
  interruptAbandonedRuns(): Array<{ id: number; kind: string; pid: number | null; startedAt: string }> {
    const rows = this.db
      .prepare("SELECT id, kind, pid, pid_start, boot_id, started_at FROM runs WHERE status = 'running' ORDER BY id")
      .all() as Array<{ id: number; kind: string; pid: number | null; pid_start: string | null; boot_id: string | null; started_at: string }>;
    const dead = rows.filter((r) => r.pid === null || isGone({ pid: r.pid, start: r.pid_start ?? undefined, bootId: r.boot_id ?? undefined }));
    for (const r of dead) this.interruptRun(r.id, `its process${r.pid === null ? '' : ` (PID ${r.pid})`} ended without recording an end (killed or crashed)`);
    return dead.map((r) => ({ id: r.id, kind: r.kind, pid: r.pid, startedAt: r.started_at }));
  }

  recordArchive(a: ArchiveRecord): void {
    this.db
      .prepare(
        `INSERT INTO archives (repository, host, name, run_id, created_at, original_size, compressed_size, deduplicated_size, nfiles, manifest)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(repository, name) DO UPDATE SET original_size = excluded.original_size, manifest = excluded.manifest`,
      )
      .run(
        a.repository,
        a.host,
        a.name,
        a.runId ?? null,
        a.createdAt,
        a.originalSize ?? null,
        a.compressedSize ?? null,
        a.deduplicatedSize ?? null,
        a.nfiles ?? null,
        a.manifest === undefined ? null : JSON.stringify(a.manifest),
      );
  }

  /** The host's mirror equals `archive` (its `sources` folders) until something writes to it again. */
  recordMirrorArchive(host: string, repository: string, archive: string, sources: readonly string[]): void {
    this.db
      .prepare('INSERT INTO mirror_archives (host, repository, archive, sources, recorded_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(host) DO UPDATE SET repository = excluded.repository, archive = excluded.archive, sources = excluded.sources, recorded_at = excluded.recorded_at')
      .run(host, repository, archive, JSON.stringify(sources), now());
  }

  /** Called before anything writes to the host's mirror: it no longer equals an archive. */
  forgetMirrorArchive(host: string): void {
    this.db.prepare('DELETE FROM mirror_archives WHERE host = ?').run(host);
  }

  /** The archive the host's mirror still equals, with the top-level folders it holds; undefined when unknown. */
  mirrorArchive(host: string): { repository: string; archive: string; sources: string[] } | undefined {
    const r = this.db.prepare('SELECT repository, archive, sources FROM mirror_archives WHERE host = ?').get(host) as { repository: string; archive: string; sources: string } | undefined;
    return r && { repository: r.repository, archive: r.archive, sources: JSON.parse(r.sources) as string[] };
  }

  /** Whether pullback recorded any archive in `repository` (pruned ones too). */
  hasArchives(repository: string): boolean {
    return this.db.prepare('SELECT 1 FROM archives WHERE repository = ? LIMIT 1').get(repository) !== undefined;
  }

  /** The statistics and manifest recorded for each archive of `repository`, by name (for `pullback list`). */
  archiveRecords(repository: string): Map<string, { originalSize: number | null; nfiles: number | null; manifest: unknown }> {
    const rows = this.db.prepare('SELECT name, original_size, nfiles, manifest FROM archives WHERE repository = ?').all(repository) as Array<{
      name: string;
      original_size: number | null;
      nfiles: number | null;
      manifest: string | null;
    }>;
    return new Map(rows.map((r) => [r.name, { originalSize: r.original_size, nfiles: r.nfiles, manifest: r.manifest === null ? undefined : JSON.parse(r.manifest) }]));
  }

  /** The statistics and manifest recorded for archive `name` of `repository`, or undefined when pullback recorded none. */
  archiveRecord(repository: string, name: string): { originalSize: number | null; manifest: unknown } | undefined {
    const r = this.db.prepare('SELECT original_size, manifest FROM archives WHERE repository = ? AND name = ?').get(repository, name) as
      | { original_size: number | null; manifest: string | null }
      | undefined;
    return r && { originalSize: r.original_size, manifest: r.manifest === null ? undefined : (JSON.parse(r.manifest) as unknown) };
  }

  /**
   * The newest archive of `host` in `repository` whose name matches `glob` (borg's own glob for the
   * host's nightly archives: SQLite's GLOB has the same `[0-9]` classes) that pullback recorded and
   * has not seen pruned nor missing from borg's listing (catalog/vanished.ts): a guess at what borg lists as the newest (borg's listing stays the truth).
   */
  newestArchive(repository: string, host: string, glob: string): string | undefined {
    const row = this.db
      .prepare('SELECT name FROM archives WHERE repository = ? AND host = ? AND pruned_at IS NULL AND vanished_at IS NULL AND name GLOB ? ORDER BY created_at DESC, id DESC LIMIT 1')
      .get(repository, host, glob) as { name: string } | undefined;
    return row?.name;
  }

  markPruned(repository: string, names: string[]): void {
    const stmt = this.db.prepare('UPDATE archives SET pruned_at = ? WHERE repository = ? AND name = ?');
    const t = now();
    this.db.transaction(() => names.forEach((n) => stmt.run(t, repository, n)))();
  }

  /**
   * When a check of `kind` last succeeded: the repository check per repository, every other kind
   * (archives, data, drill) per host, since hosts may share a repository. Undefined when never.
   */
  lastCheck(repository: string, kind: string, host: string): Date | undefined {
    const row = this.db
      .prepare("SELECT last_run_at FROM check_history WHERE repository = ? AND host = ? AND kind = ? AND status = 'ok'")
      .get(repository, checkHost(kind, host), kind) as { last_run_at: string } | undefined;
    return row ? new Date(row.last_run_at) : undefined;
  }

  /** Records a check's outcome under the key lastCheck reads. */
  recordCheck(repository: string, kind: string, host: string, status: CheckStatus, at = new Date()): void {
    this.db
      .prepare(
        `INSERT INTO check_history (repository, host, kind, last_run_at, status) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(repository, host, kind) DO UPDATE SET last_run_at = excluded.last_run_at, status = excluded.status`,
      )
      .run(repository, checkHost(kind, host), kind, at.toISOString(), status);
  }

  /**
   * The host's latest successful nightly backup (a `pullback run` that made an archive). Drills,
   * restores and checks also record host results; they never count as a backup, and neither does a
   * night whose archive borg no longer lists (vanished or lost: catalog/vanished.ts).
   */
  lastNightly(host: string): { endedAt: string; archive: string } | undefined {
    const row = this.db
      .prepare(
        `SELECT h.ended_at, h.archive FROM host_results h JOIN runs r ON r.id = h.run_id
         WHERE h.host = ? AND r.kind = 'run' AND h.status IN ('ok', 'warning') AND h.archive IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM archives a WHERE a.host = h.host AND a.name = h.archive AND a.vanished_at IS NOT NULL)
         ORDER BY h.ended_at DESC LIMIT 1`,
      )
      .get(host) as { ended_at: string; archive: string } | undefined;
    return row ? { endedAt: row.ended_at, archive: row.archive } : undefined;
  }

  /** Steps of a run in the order they started. */
  stepsOf(runId: number): Array<{ host: string; step: string; source: string | null; status: string; error: string | null }> {
    return this.db.prepare('SELECT host, step, source, status, error FROM steps WHERE run_id = ? ORDER BY id').all(runId) as never;
  }
}
