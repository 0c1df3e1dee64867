// Carries out a point-in-time restore into a local folder: the base backup extracted from its
// archive, the WAL gathered beside it (the archives' copies, then the receiver's own, a partial
// segment taken under its full name), checked for gaps, and the recovery settings written
// (restore_command, recovery_target_time, promote, recovery.signal). The folder is then a data
// directory that recovers to the target when started; the command that starts it is returned.
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { userInfo } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { JobError } from '../errors.js';
import { runCommand, toolErrorFrom } from '../exec/run.js';
import { extractArchive } from '../tools/borg/extract.js';
import type { BorgContext } from '../tools/borg/run.js';
import { parseLsn, pgBinDir, pgTool } from '../engines/postgres-wal.js';
import { archivedPitrPaths } from './paths.js';
import { shellQuote } from '../tools/ssh/quote.js';
import type { PitrPlan } from './restore-plan.js';
import { pgTimestamp } from './target-time.js';
import { describeMissing, historyFiles, parseSegmentName, segnoOf, walContinuity } from './wal-files.js';
import { scanTransactionEnds } from './wal-scan.js';
import { timeRecoveryOf, type TimeRecovery, type TransactionsAround } from './xact-ends.js';

export interface IntoResult {
  dataDir: string;
  walDir: string;
  /** WAL files gathered, and the newest segment. */
  walFiles: number;
  newestSegment?: string;
  /** The argv that starts the recovered cluster (as the postgres user when run as root). */
  start: string[];
  /** The local socket directory and port it will listen on. */
  socketDir: string;
  port: number;
  /**
   * For a time target: the transaction ends around it in this WAL (pg_waldump), and how it is
   * recovered: stopped before the first end after it, or, with none, to the WAL's end (no time target written).
   */
  time?: { recovery: TimeRecovery; around: TransactionsAround };
}

/** The folder beside `into` holding the WAL its restore_command reads. */
export function walIntoDir(into: string): string {
  return join(dirname(into), `${basename(into)}.wal`);
}

/**
 * Builds the recovered data directory `into` (new or empty) for `plan`, reading WAL from the
 * archives and `receivedWal`, to listen on `opts.port` (default 5432) on its own socket; throws
 * ToolError (borg) or JobError (a gap, a missing base backup).
 */
export async function restoreInto(borg: BorgContext, plan: PitrPlan, into: string, receivedWal: string, logger: Logger, opts: { port?: number; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<IntoResult> {
  const walInto = walIntoDir(into);
  const stage = join(dirname(into), `.${basename(into)}.pullback-stage`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true, mode: 0o700 });
  try {
    const paths = archivedPitrPaths(plan.source);
    await extractArchive(borg, plan.repository, plan.base.archive, join(stage, 'base'), { prefix: [paths.base] });
    const base = join(stage, 'base', paths.base);
    if (!existsSync(join(base, 'backup_label'))) throw new JobError(`archive ${plan.base.archive} holds no base backup of ${plan.source} (${paths.base})`);
    const { files, cont } = await collectWal(borg, plan, receivedWal, walInto, stage);
    if (cont.missing.length > 0) throw new JobError(`the WAL from the base backup on has a gap: ${describeMissing(plan.base.timeline, cont.missing)}; recover to a point before it, or from a later base backup`);
    if (cont.segments.length === 0) throw new JobError(`no WAL found from ${plan.base.startWal} on (archives ${plan.walArchives.join(', ')}, ${receivedWal})`);
    // PostgreSQL stops a time target only before a transaction that ended after it: with none in this WAL, the state at the target is the WAL's end.
    let time: IntoResult['time'];
    if (plan.target.kind === 'time') {
      const scan = await scanTransactionEnds({ walDir: walInto, timeline: plan.base.timeline, startLsn: plan.base.startLsn, newest: cont.newest!.name, at: plan.target.at, logger, timeoutMs: opts.timeoutMs ?? 3_600_000, signal: opts.signal ?? borg.signal });
      time = { recovery: timeRecoveryOf(scan.around, scan.readToEnd), around: scan.around };
    }
    // The data directory: the base backup moved into place.
    if (existsSync(into)) rmSync(into, { recursive: true });
    renameSync(base, into);
    chmodSync(into, 0o700);
    const port = opts.port ?? 5432;
    writeRecoverySettings(into, walInto, plan, port, time?.recovery.kind === 'wal-end');
    await giveToPostgres([into, walInto], logger);
    const bin = pgBinDir();
    const start = [
      ...(userInfo().uid === 0 ? ['runuser', '-u', 'postgres', '--'] : []),
      pgTool(bin, 'pg_ctl'),
      '-D', into,
      '-l', join(into, 'recovery.log'),
      // pg_ctl hands -o to a shell: the socket folder is quoted for it; no TCP listener, the socket only.
      '-o', `-c port=${port} -c listen_addresses= -c unix_socket_directories=${shellQuote(into)}`,
      '-w', '-t', '86400',
      'start',
    ];
    logger.info({ into, walFiles: files.length, newest: cont.newest?.name, recovery: time?.recovery.kind }, 'recovered data directory ready');
    return { dataDir: into, walDir: walInto, walFiles: files.length, ...(cont.newest ? { newestSegment: cont.newest.name } : {}), start, socketDir: into, port, ...(time ? { time } : {}) };
  } catch (e) {
    // Nothing half-made is left beside `into` (the data directory itself is moved in last).
    rmSync(walInto, { recursive: true, force: true });
    throw e;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/**
 * Gathers the WAL `plan` replays into `walInto` (made anew, 0700): each WAL archive's, extracted
 * under `stage`, then the receiver's own (`receivedWal`), partial segments under their full names;
 * returns its files and their continuity from the base backup's first segment on. Throws ToolError (borg).
 */
export async function collectWal(borg: BorgContext, plan: PitrPlan, receivedWal: string, walInto: string, stage: string): Promise<{ files: string[]; cont: ReturnType<typeof walContinuity> }> {
  const paths = archivedPitrPaths(plan.source);
  rmSync(walInto, { recursive: true, force: true });
  mkdirSync(walInto, { recursive: true, mode: 0o700 });
  for (const [i, archive] of plan.walArchives.entries()) {
    const to = join(stage, `wal-${i}`);
    await extractArchive(borg, plan.repository, archive, to, { prefix: [paths.wal] });
    gather(join(to, paths.wal), walInto);
    rmSync(to, { recursive: true, force: true });
  }
  // The receiver's own WAL last: it is the newest (its partial segment reaches the newest point).
  gather(receivedWal, walInto);
  const files = takePartials(walInto);
  return { files, cont: walContinuity(files, segnoOf(parseLsn(plan.base.startLsn))) };
}

/** Copies the segments, partial segments and history files of `from` into `to` (a complete segment is never replaced by a partial one). */
function gather(from: string, to: string): void {
  if (!existsSync(from)) return;
  for (const f of readdirSync(from)) {
    const seg = parseSegmentName(f);
    if (!seg && historyFiles([f]).length === 0) continue;
    if (seg?.partial && existsSync(join(to, seg.name))) continue;
    copyFileSync(join(from, f), join(to, f));
    if (seg && !seg.partial) rmSync(join(to, `${seg.name}.partial`), { force: true });
  }
}

/**
 * A partial segment (what the receiver had of the segment being written) is taken under its full
 * name: recovery reads it up to where its records end. Returns the folder's files after that.
 */
function takePartials(dir: string): string[] {
  for (const f of readdirSync(dir)) {
    const seg = parseSegmentName(f);
    if (seg?.partial) {
      if (existsSync(join(dir, seg.name))) rmSync(join(dir, f));
      else renameSync(join(dir, f), join(dir, seg.name));
    }
  }
  return readdirSync(dir);
}

/**
 * The recovery settings, in postgresql.auto.conf (read last, so they win): WAL from `walDir`, the
 * target and promotion at it (`toWalEnd`: a time target no transaction ended after, recovered to the
 * WAL's end without one), and nothing the main server did that a copy must not (archiving,
 * replicating from it). recovery.signal makes the start a targeted recovery.
 */
function writeRecoverySettings(dataDir: string, walDir: string, plan: PitrPlan, port: number, toWalEnd: boolean): void {
  const q = (v: string) => `'${v.replace(/'/g, "''")}'`;
  const lines = [
    '',
    `# pullback restore --at: point-in-time recovery of ${plan.host}/${plan.source} from base backup ${plan.base.archive}`,
    `restore_command = ${q(`cp '${walDir}/%f' '%p'`)}`,
    ...(plan.target.kind === 'time' && toWalEnd ? [`# no transaction ended after ${pgTimestamp(plan.target.at)} in this WAL: its state then is the WAL's end, recovered to without a time target`] : []),
    ...(plan.target.kind === 'time' && !toWalEnd ? [`recovery_target_time = ${q(pgTimestamp(plan.target.at))}`, "recovery_target_inclusive = 'on'"] : []),
    ...(plan.target.kind === 'xid' ? [`recovery_target_xid = ${q(plan.target.xid)}`, "recovery_target_inclusive = 'on'"] : []),
    ...(plan.target.kind === 'name' ? [`recovery_target_name = ${q(plan.target.name)}`] : []),
    "recovery_target_timeline = 'latest'",
    "recovery_target_action = 'promote'",
    "archive_mode = 'off'",
    "primary_conninfo = ''",
    `port = ${port}`,
    '',
  ];
  // A server whose postgresql.conf lives elsewhere (Debian's /etc/postgresql) left none in its base backup.
  if (!existsSync(join(dataDir, 'postgresql.conf'))) writeFileSync(join(dataDir, 'postgresql.conf'), '# written by pullback restore --at: the server kept its own elsewhere\n');
  appendFileSync(join(dataDir, 'postgresql.auto.conf'), lines.join('\n'));
  writeFileSync(join(dataDir, 'recovery.signal'), '');
  // The main server's own log folders and sockets do not belong to the copy.
  rmSync(join(dataDir, 'postmaster.pid'), { force: true });
}

/** As root: the folders become the postgres user's (PostgreSQL refuses to run as root). */
async function giveToPostgres(dirs: string[], logger: Logger): Promise<void> {
  if (userInfo().uid !== 0) return;
  for (const d of dirs) {
    const r = await runCommand('chown', ['-R', '--', 'postgres:postgres', d], { logger, quiet: true, timeoutMs: 600_000 });
    if (r.exitCode !== 0) throw toolErrorFrom(r, `cannot give ${d} to the postgres user`);
  }
}
