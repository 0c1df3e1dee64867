// Restores whose process died (SIGKILL, a crash, a power cut) without recording an end: found by
// the next command of any kind (commands/common.ts openEnv), recorded interrupted with the time
// that was noticed, and named with their exact rollback command by `pullback status`, the report
// and the next restore until the target is put in a known state again (a rollback of it, or a
// complete restore onto the target, finished OK). A dead process is told from a live one by PID,
// start time and boot id (util/process-identity.ts), never by PID alone.
import type { Catalog } from './catalog.js';
import { isGone } from '../util/process-identity.js';

export interface AbandonedRestore {
  id: number;
  kind: string;
  target: string;
  pid: number | null;
  startedAt: string;
  noticedAt: string;
}

/**
 * Restores and rollbacks left 'running' by a process that is gone: each is recorded interrupted
 * (its running step interrupted, its pending steps skipped) with the time it was noticed. Returns them.
 */
export function interruptAbandonedRestores(catalog: Catalog): AbandonedRestore[] {
  const rows = catalog.db
    .prepare("SELECT id, kind, target, pid, pid_start, boot_id, started_at FROM restores WHERE status = 'running' ORDER BY id")
    .all() as Array<{ id: number; kind: string; target: string; pid: number | null; pid_start: string | null; boot_id: string | null; started_at: string }>;
  const dead = rows.filter((r) => r.pid === null || isGone({ pid: r.pid, start: r.pid_start ?? undefined, bootId: r.boot_id ?? undefined }));
  const noticedAt = new Date().toISOString();
  const db = catalog.db;
  db.transaction(() => {
    for (const r of dead) {
      const error = `its process${r.pid === null ? '' : ` (PID ${r.pid})`} ended without recording an end (killed or crashed); noticed ${noticedAt}`;
      db.prepare("UPDATE restore_steps SET status = 'interrupted', ended_at = ?, error = ? WHERE restore_id = ? AND status = 'running'").run(noticedAt, error, r.id);
      db.prepare("UPDATE restore_steps SET status = 'skipped', ended_at = ?, error = ? WHERE restore_id = ? AND status = 'pending'").run(noticedAt, `not run: the ${r.kind} was interrupted`, r.id);
      db.prepare("UPDATE restores SET status = 'interrupted', noticed_at = ?, error = ? WHERE id = ? AND status = 'running'").run(noticedAt, error, r.id);
    }
  })();
  return dead.map((r) => ({ id: r.id, kind: r.kind, target: r.target, pid: r.pid, startedAt: r.started_at, noticedAt }));
}

/** An interrupted restore or rollback whose target has not been put in a known state since. */
export interface InterruptedRestore {
  id: number;
  kind: 'restore' | 'rollback';
  host: string;
  target: string;
  archive: string;
  startedAt: string;
  /** Set when a later command found its process gone (else it was stopped by a signal and said so itself). */
  noticedAt?: string;
  error?: string;
  /** The safety snapshot a rollback puts back (restores only, once taken). */
  snapshotArchive?: string;
  /** The restore a rollback undoes: running that rollback again finishes it. */
  rollbackOf?: number;
  /** Steps that finished (ok or warning), in order, e.g. `stop_writes`, `database db`. */
  completed: string[];
  /** The step it was in when it stopped, if one was running. */
  stoppedIn?: string;
  /** stop_writes ran, start_writes did not finish: the application's writes may still be stopped. */
  writesMayBeStopped: boolean;
}

/**
 * The target's interrupted restores and rollbacks not resolved since: resolved by a later rollback
 * of the same restore finished OK, or a later restore of every source (no --only) finished OK. A
 * restore stopped before its safety snapshot and its stop_writes changed nothing and is left out.
 */
export function unresolvedInterruptedRestores(catalog: Catalog, target: string): InterruptedRestore[] {
  const rows = catalog.db
    .prepare(
      `SELECT r.id, r.kind, r.host, r.target, r.archive, r.started_at, r.noticed_at, r.error, r.snapshot_archive, r.rollback_of FROM restores r
       WHERE r.target = ? AND r.status = 'interrupted'
         AND NOT EXISTS (
           SELECT 1 FROM restores l WHERE l.target = r.target AND l.id > r.id AND l.status = 'ok'
             AND ((l.kind = 'rollback' AND l.rollback_of = COALESCE(r.rollback_of, r.id)) OR (l.kind = 'restore' AND l.only_sources IS NULL)))
       ORDER BY r.id`,
    )
    .all(target) as Array<{ id: number; kind: 'restore' | 'rollback'; host: string; target: string; archive: string; started_at: string; noticed_at: string | null; error: string | null; snapshot_archive: string | null; rollback_of: number | null }>;
  return rows.flatMap((r): InterruptedRestore[] => {
    const steps = catalog.db.prepare('SELECT kind, source, status, details FROM restore_steps WHERE restore_id = ? ORDER BY ord').all(r.id) as Array<{ kind: string; source: string | null; status: string; details: string | null }>;
    const name = (s: { kind: string; source: string | null }) => (s.source && s.source !== s.kind ? `${s.kind} ${s.source}` : s.kind);
    const done = (s: { status: string }) => s.status === 'ok' || s.status === 'warning';
    const stopped = steps.find((s) => s.status === 'interrupted');
    const stopWrites = steps.find((s) => s.kind === 'stop_writes');
    const startWrites = steps.find((s) => s.kind === 'start_writes');
    const writesMayBeStopped = stopWrites !== undefined && stoppedWrites(stopWrites) && !(startWrites && done(startWrites));
    // Stopped before its safety snapshot and before stop_writes: it changed nothing, nothing to put back.
    if (r.kind === 'restore' && !r.snapshot_archive && !writesMayBeStopped) return [];
    return [{
      id: r.id,
      kind: r.kind,
      host: r.host,
      target: r.target,
      archive: r.archive,
      startedAt: r.started_at,
      ...(r.noticed_at ? { noticedAt: r.noticed_at } : {}),
      ...(r.error ? { error: r.error } : {}),
      ...(r.snapshot_archive ? { snapshotArchive: r.snapshot_archive } : {}),
      ...(r.rollback_of !== null ? { rollbackOf: r.rollback_of } : {}),
      completed: steps.filter((s) => s.kind !== 'readiness' && done(s)).map(name),
      ...(stopped ? { stoppedIn: name(stopped) } : {}),
      writesMayBeStopped,
    }];
  });
}

/** Whether a stop_writes step ran commands (or died while it may have): with none configured it stopped nothing. */
function stoppedWrites(step: { status: string; details: string | null }): boolean {
  if (step.status === 'running' || step.status === 'interrupted') return true;
  if (step.status === 'pending' || step.status === 'skipped') return false;
  try {
    const ran = (JSON.parse(step.details ?? 'null') as { ran?: unknown[] } | null)?.ran;
    return Array.isArray(ran) && ran.length > 0;
  } catch {
    return true;
  }
}

/** The restore whose rollback puts the target back: the restore itself, or the one an interrupted rollback was undoing; undefined without a safety snapshot. */
export function rollbackTarget(r: InterruptedRestore): number | undefined {
  if (r.kind === 'rollback') return r.rollbackOf;
  return r.snapshotArchive ? r.id : undefined;
}

/** The argv of `pullback restore --rollback ID --yes` with this config (quote it with tools/ssh/quote.ts shellCommand to print it). */
export function rollbackArgv(configPath: string, restoreId: number): string[] {
  return ['pullback', '--config', configPath, 'restore', '--rollback', String(restoreId), '--yes'];
}

/**
 * One interrupted restore for people: what it was, when it stopped and how it was found, where it
 * stopped, what the target holds, and the exact command that puts the target back (`rollback`,
 * already quoted; undefined when there is no safety snapshot to put back).
 */
export function interruptedRestoreText(r: InterruptedRestore, rollback: string | undefined): string {
  const what = r.kind === 'rollback' ? `rollback ${r.id} (of restore ${r.rollbackOf ?? '?'})` : `restore ${r.id} of archive ${r.archive}`;
  const how = r.noticedAt ? `its process died (killed or crashed); found ${r.noticedAt}` : 'stopped by a signal';
  const where = r.stoppedIn ? ` during ${r.stoppedIn}` : '';
  const parts = [`${what} onto ${r.target} (started ${r.startedAt}) was INTERRUPTED${where}: ${how}.`];
  parts.push(`Completed before it stopped: ${r.completed.length ? r.completed.join(', ') : 'nothing'}; the target may be half-${r.kind === 'rollback' ? 'rolled back' : 'restored'}.`);
  if (r.writesMayBeStopped) parts.push("Its stop_writes ran and its start_writes did not finish: the application's writes may still be stopped.");
  if (rollback) parts.push(`To put the target back as it was before restore ${rollbackTarget(r)}: ${rollback}`);
  else parts.push('No safety snapshot was taken, so its restore steps changed nothing; restore again when ready.');
  return parts.join(' ');
}
