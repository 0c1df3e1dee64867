// Catalog records of restores (tables of migration 003): the restore row and one row per step,
// written before the step runs (pending) and updated as it starts and ends, so an interrupted
// restore leaves a record of exactly which steps completed.
import type { Db } from '../catalog/db.js';
import { selfIdentity } from '../util/process-identity.js';

export type RestoreKind = 'restore' | 'rollback';
export type RestoreStatus = 'running' | 'ok' | 'failed' | 'interrupted' | 'refused';
export type RestoreStepStatus = 'pending' | 'running' | 'ok' | 'warning' | 'failed' | 'skipped' | 'interrupted';

export interface RestoreRow {
  id: number;
  kind: RestoreKind;
  host: string;
  target: string;
  repository: string;
  archive: string;
  status: RestoreStatus;
  snapshotRepository: string | null;
  snapshotArchive: string | null;
  rollbackOf: number | null;
  startedAt: string;
  endedAt: string | null;
  error: string | null;
}

export interface RestoreStepRow {
  id: number;
  ord: number;
  kind: string;
  source: string | null;
  status: RestoreStepStatus;
  startedAt: string | null;
  endedAt: string | null;
  error: string | null;
}

const now = () => new Date().toISOString();

/** Reads and writes one restore's records. */
export class RestoreRecorder {
  private ord = 0;

  private constructor(
    private readonly db: Db,
    readonly id: number,
  ) {}

  /**
   * Inserts the restore row (status running, with this process's identity: a later command that
   * finds the process gone records the restore interrupted) and returns its recorder.
   */
  static start(db: Db, r: { kind: RestoreKind; host: string; target: string; repository: string; archive: string; only?: string[]; plan: unknown; rollbackOf?: number }): RestoreRecorder {
    const me = selfIdentity();
    const res = db
      .prepare(
        `INSERT INTO restores (kind, host, target, repository, archive, only_sources, status, rollback_of, started_at, pid, pid_start, boot_id, plan)
         VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?)`,
      )
      .run(r.kind, r.host, r.target, r.repository, r.archive, r.only ? JSON.stringify(r.only) : null, r.rollbackOf ?? null, now(), me.pid, me.start ?? null, me.bootId ?? null, JSON.stringify(r.plan));
    return new RestoreRecorder(db, Number(res.lastInsertRowid));
  }

  /** Adds a step in state pending; returns its row id. */
  plan(kind: string, source?: string): number {
    const res = this.db
      .prepare("INSERT INTO restore_steps (restore_id, ord, kind, source, status) VALUES (?, ?, ?, ?, 'pending')")
      .run(this.id, ++this.ord, kind, source ?? null);
    return Number(res.lastInsertRowid);
  }

  begin(stepId: number): void {
    this.db.prepare("UPDATE restore_steps SET status = 'running', started_at = ? WHERE id = ?").run(now(), stepId);
  }

  end(stepId: number, status: RestoreStepStatus, error?: string, details?: unknown): void {
    this.db
      .prepare('UPDATE restore_steps SET status = ?, ended_at = ?, error = ?, details = ? WHERE id = ?')
      .run(status, now(), error ?? null, details === undefined ? null : JSON.stringify(details), stepId);
  }

  setSnapshot(repository: string, archive: string): void {
    this.db.prepare('UPDATE restores SET snapshot_repository = ?, snapshot_archive = ? WHERE id = ?').run(repository, archive, this.id);
  }

  /**
   * Ends the restore; steps still running become interrupted (or failed), and any still pending
   * (the runner ends every step it planned, unless the restore ended by an error) become skipped.
   */
  finish(status: RestoreStatus, error?: string): void {
    const t = now();
    const left: RestoreStepStatus = status === 'interrupted' ? 'interrupted' : 'failed';
    this.db.prepare("UPDATE restore_steps SET status = ?, ended_at = ? WHERE restore_id = ? AND status = 'running'").run(left, t, this.id);
    this.db
      .prepare("UPDATE restore_steps SET status = 'skipped', ended_at = ?, error = ? WHERE restore_id = ? AND status = 'pending'")
      .run(t, `not run: the restore ended (${status})`, this.id);
    this.db.prepare('UPDATE restores SET status = ?, ended_at = ?, error = ? WHERE id = ?').run(status, t, error ?? null, this.id);
  }
}

/** One restore by id, or undefined. */
export function getRestore(db: Db, id: number): RestoreRow | undefined {
  const row = db
    .prepare(
      `SELECT id, kind, host, target, repository, archive, status, snapshot_repository AS snapshotRepository,
              snapshot_archive AS snapshotArchive, rollback_of AS rollbackOf, started_at AS startedAt, ended_at AS endedAt, error
       FROM restores WHERE id = ?`,
    )
    .get(id) as RestoreRow | undefined;
  return row;
}

/** The steps of a restore in their planned order. */
export function restoreSteps(db: Db, id: number): RestoreStepRow[] {
  return db
    .prepare(
      `SELECT id, ord, kind, source, status, started_at AS startedAt, ended_at AS endedAt, error
       FROM restore_steps WHERE restore_id = ? ORDER BY ord`,
    )
    .all(id) as RestoreStepRow[];
}

/** Replaces the plan recorded for restore `id` (a whole-cluster restore adds where it kept the data directory). */
export function setRestorePlan(db: Db, id: number, plan: unknown): void {
  db.prepare('UPDATE restores SET plan = ? WHERE id = ?').run(JSON.stringify(plan), id);
}

/** The plan recorded for restore `id` (parsed JSON), or undefined. */
export function restorePlanOf(db: Db, id: number): unknown {
  const row = db.prepare('SELECT plan FROM restores WHERE id = ?').get(id) as { plan: string | null } | undefined;
  if (!row?.plan) return undefined;
  try {
    return JSON.parse(row.plan) as unknown;
  } catch {
    return undefined;
  }
}
