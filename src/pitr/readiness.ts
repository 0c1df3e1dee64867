// What a point-in-time restore reads, read before it is promised: the base backup's every chunk
// (borg extract --dry-run of its paths), and the WAL from its start on: every chunk of the WAL in
// the archives read the same way, the receiver's own segments beside them, and the whole checked
// for a missing segment. The dry run of `restore --at` prints these as its checklist.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Logger } from 'pino';
import { parseLsn } from '../engines/postgres-wal.js';
import { describeError } from '../errors.js';
import { readBack } from '../tools/borg/extract.js';
import type { BorgContext } from '../tools/borg/run.js';
import { archivedPitrPaths } from './paths.js';
import { collectWal } from './restore-into.js';
import { walEndNote, type PitrPlan } from './restore-plan.js';
import { scanTransactionEnds } from './wal-scan.js';
import { timeRecoveryOf } from './xact-ends.js';
import { describeMissing, segnoOf, walContinuity } from './wal-files.js';

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** One item of the checklist (the restore checklist's shape: commands print it with formatChecklist). */
export interface PitrCheck {
  name: string;
  status: 'pass' | 'fail';
  figure: string;
}

/** The checklist of `plan` (never throws: a borg that cannot run is a failed item); `logger` and `timeoutMs` for pg_waldump. */
export async function pitrReadiness(borg: BorgContext, plan: PitrPlan, receivedWal: string, logger: Logger, timeoutMs: number): Promise<PitrCheck[]> {
  const paths = archivedPitrPaths(plan.source);
  const items: PitrCheck[] = [];
  const name = `every chunk of the base backup in ${plan.base.archive}`;
  try {
    const rb = await readBack(borg, plan.repository, plan.base.archive, { prefix: [paths.base] });
    items.push(rb.ok ? { name, status: 'pass', figure: `read and verified (borg extract --dry-run of ${paths.base}, ${secs(rb.durationMs)})` } : { name, status: 'fail', figure: `unreadable: ${rb.damaged.join(', ') || rb.error || 'borg stopped'}` });
  } catch (e) {
    items.push({ name, status: 'fail', figure: `not read: ${describeError(e)}` });
  }
  const files: string[] = [];
  const unread: string[] = [];
  let ms = 0;
  for (const archive of plan.walArchives) {
    try {
      const rb = await readBack(borg, plan.repository, archive, { prefix: [paths.wal] }, { onPath: (p) => files.push(basename(p)) });
      ms += rb.durationMs;
      if (!rb.ok) unread.push(`${archive}: ${rb.damaged.join(', ') || rb.error || 'borg stopped'}`);
    } catch (e) {
      unread.push(`${archive}: ${describeError(e)}`);
    }
  }
  const received = existsSync(receivedWal) ? readdirSync(receivedWal) : [];
  const from = segnoOf(parseLsn(plan.base.startLsn));
  const cont = walContinuity([...files, ...received], from);
  const wal = `the WAL from ${plan.base.startWal} on`;
  if (unread.length > 0) items.push({ name: wal, status: 'fail', figure: `unreadable in ${unread.join('; ')}` });
  else if (cont.segments.length === 0) items.push({ name: wal, status: 'fail', figure: `none found (archives ${plan.walArchives.join(', ')}, ${receivedWal})` });
  else if (cont.missing.length > 0) items.push({ name: wal, status: 'fail', figure: `a gap: ${describeMissing(plan.base.timeline, cont.missing)}; recover to a point before it, or from a later base backup` });
  else {
    items.push({
      name: wal,
      status: 'pass',
      figure: `${cont.segments.length} segment(s) without a gap up to ${cont.newest?.name ?? '-'}${cont.newest?.partial ? ' (being written)' : ''}: ${plan.walArchives.length} archive(s) read and verified (${secs(ms)}), ${received.length} file(s) received since`,
    });
    if (plan.target.kind === 'time') items.push(await stopCheck(borg, plan, receivedWal, logger, timeoutMs));
  }
  return items;
}

/**
 * Where recovery to a time stops, read as the restore reads it: the same WAL gathered into a private
 * temporary folder (removed after), pg_waldump over it: before the first transaction end after the
 * target, or, with none, at the WAL's end (the restore then recovers without a time target).
 */
async function stopCheck(borg: BorgContext, plan: PitrPlan, receivedWal: string, logger: Logger, timeoutMs: number): Promise<PitrCheck> {
  if (plan.target.kind !== 'time') throw new Error('a time target only');
  const name = 'where recovery stops';
  const dir = mkdtempSync(join(tmpdir(), 'pullback-walscan-'));
  try {
    const { cont } = await collectWal(borg, plan, receivedWal, join(dir, 'wal'), dir);
    if (!cont.newest) return { name, status: 'fail', figure: 'no WAL to read' };
    const scan = await scanTransactionEnds({ walDir: join(dir, 'wal'), timeline: plan.base.timeline, startLsn: plan.base.startLsn, newest: cont.newest.name, at: plan.target.at, logger, timeoutMs, signal: borg.signal });
    const a = scan.around;
    const last = a.lastCommit ? `; the last commit at or before it: transaction ${a.lastCommit.xid} at ${a.lastCommit.time}` : '; no commit between the base backup and it';
    if (timeRecoveryOf(a, scan.readToEnd).kind === 'wal-end') return { name, status: 'pass', figure: `${walEndNote(plan, 'it recovers to it (no time target)')}${last}` };
    if (a.stop) return { name, status: 'pass', figure: `before the ${a.stop.kind} of transaction ${a.stop.xid} at ${a.stop.time}, the first transaction end after the target${last}` };
    return { name, status: 'fail', figure: `pg_waldump could not read the WAL to its newest segment ${cont.newest.name} and found no transaction end after the target before that: recovery would end before the target` };
  } catch (e) {
    return { name, status: 'fail', figure: `not read: ${describeError(e)}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

