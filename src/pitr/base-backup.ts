// The night's base backup of a PITR source: pg_basebackup through the host's SSH tunnel into the
// mirror's `.pitr/<source>/base.new`, read back with pg_verifybackup (every file against its manifest,
// its WAL parsed), then put in place of the previous one; beside it `.pitr/<source>/wal` is made the
// received WAL from the previous base backup's start on (hard links), so the night's archive holds
// both. Recorded in the catalog with its start, its consistency point and its first WAL segment.
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { archivedBaseBackups, receiverRecord, recordBaseBackup, recordReceiver } from '../catalog/pitr.js';
import type { SourceConfig } from '../config/types.js';
import { buildBaseBackupArgs, buildVerifyBackupArgs, formatLsn, manifestEndLsn, parseBackupLabel, parseLsn, pgBinDir, pgTool, walEnv } from '../engines/postgres-wal.js';
import { ToolError } from '../errors.js';
import { runCommand, toolErrorFrom } from '../exec/run.js';
import { ensureMirrorTop, hostRepo, type HostContext, type StepOutcome } from '../job/context.js';
import { ensurePrivateDir } from '../util/private.js';
import { humanBytes } from '../util/table.js';
import { ARCHIVE_PITR_DIR, mirrorPitrDir, pitrStateDir, walDir } from './paths.js';
import { openPitrLink } from './tunnel.js';
import { historyFiles, parseSegmentName, segnoOf } from './wal-files.js';

export interface BaseBackupFacts {
  startedAt: string;
  endedAt: string;
  startWal: string;
  timeline: number;
  bytes: number;
  walFiles: number;
}

/** Takes, verifies and records the source's base backup; a failed one leaves the previous in place. Throws ToolError. */
export async function takeBaseBackup(ctx: HostContext, source: SourceConfig): Promise<StepOutcome<BaseBackupFacts>> {
  const { global, host } = ctx;
  const bin = pgBinDir();
  ensureMirrorTop(global, host.name);
  const dir = mirrorPitrDir(global, host.name, source.name);
  mkdirSync(dir, { recursive: true });
  ensurePrivateDir(join(dir, '..'));
  const fresh = join(dir, 'base.new');
  rmSync(fresh, { recursive: true, force: true });
  // Its own socket: the daemon's receiver has one open at the same time.
  const link = await openPitrLink(global, host, source, join(pitrStateDir(global, host.name, source.name), 'sock-night'), { logger: ctx.logger, signal: ctx.signal });
  const startedAt = new Date();
  try {
    const label = `pullback ${host.name}/${source.name} ${startedAt.toISOString()}`;
    const r = await runCommand(pgTool(bin, 'pg_basebackup'), buildBaseBackupArgs(link.conn, fresh, label), { env: walEnv(link.conn), timeoutMs: global.dumpTimeoutSeconds * 1000, signal: ctx.signal, logger: ctx.logger });
    if (r.exitCode !== 0) throw toolErrorFrom(r, 'pg_basebackup failed');
  } catch (e) {
    rmSync(fresh, { recursive: true, force: true });
    throw e;
  } finally {
    await link.close();
  }
  const endedAt = new Date();
  const verify = await runCommand(pgTool(bin, 'pg_verifybackup'), buildVerifyBackupArgs(fresh), { timeoutMs: global.dumpTimeoutSeconds * 1000, signal: ctx.signal, logger: ctx.logger });
  if (verify.exitCode !== 0) {
    rmSync(fresh, { recursive: true, force: true });
    throw toolErrorFrom(verify, 'the base backup does not read back (pg_verifybackup)');
  }
  const facts = parseBackupLabel(readFileSync(join(fresh, 'backup_label'), 'utf8'));
  const endLsn = manifestEndLsn(readFileSync(join(fresh, 'backup_manifest'), 'utf8'));
  if (!facts || endLsn === undefined) throw new ToolError('the base backup has no backup_label or WAL range pullback can read', { command: 'pg_basebackup', timedOut: false, durationMs: 0, stderrTail: [] });
  const base = join(dir, 'base');
  rmSync(`${base}.old`, { recursive: true, force: true });
  if (existsSync(base)) renameSync(base, `${base}.old`);
  renameSync(fresh, base);
  rmSync(`${base}.old`, { recursive: true, force: true });

  // The WAL the night archives: from the previous base backup's start on (that one still recovers
  // to any point up to tonight from the archives), this one's start when there is none.
  const earlier = archivedBaseBackups(ctx.catalog, hostRepo(ctx), host.name, source.name).at(-1);
  const fromSegno = segnoOf(parseLsn(earlier?.startLsn ?? formatLsn(facts.startLsn)));
  const received = walDir(global, host.name, source.name);
  const walFiles = mirrorWal(received, join(dir, 'wal'), fromSegno);
  // The received WAL before the previous base backup's start is in the archives (each night's holds
  // it from the base backup before): it is no longer kept here.
  forgetOlderWal(received, fromSegno);
  const bytes = dirBytes(base);
  recordBaseBackup(ctx.catalog, {
    host: host.name,
    source: source.name,
    runId: ctx.runId,
    startedAt: startedAt.toISOString(),
    endedAt: endedAt.toISOString(),
    timeline: facts.timeline,
    startLsn: formatLsn(facts.startLsn),
    endLsn: formatLsn(endLsn),
    startWal: facts.startWal,
    bytes,
  });
  // A gap found by the receiver before this base backup began is behind the new window.
  const rec = receiverRecord(ctx.catalog, host.name, source.name);
  if (rec?.gap && rec.gapAt && new Date(rec.gapAt) < startedAt) recordReceiver(ctx.catalog, host.name, source.name, { gap: null, gapAt: null, state: rec.state === 'gap' ? 'streaming' : rec.state });
  ctx.logger.info({ step: 'base_backup', source: source.name, bytes, startWal: facts.startWal }, `base backup of ${source.name}: ${humanBytes(bytes)}, verified, starts at ${facts.startWal}; ${walFiles} WAL file(s) beside it`);
  return {
    status: 'ok',
    bytes,
    details: { startWal: facts.startWal, timeline: facts.timeline, startLsn: formatLsn(facts.startLsn), endLsn: formatLsn(endLsn), walFiles, path: `${ARCHIVE_PITR_DIR}/${source.name}` },
    value: { startedAt: startedAt.toISOString(), endedAt: endedAt.toISOString(), startWal: facts.startWal, timeline: facts.timeline, bytes, walFiles },
  };
}

/**
 * Makes `to` hold the received WAL from segment `from` on: completed segments hard-linked (they never
 * change), the segment being written copied as it is now (`.partial`), history files copied. Returns the count.
 */
function mirrorWal(received: string, to: string, from: bigint): number {
  rmSync(to, { recursive: true, force: true });
  mkdirSync(to, { recursive: true });
  if (!existsSync(received)) return 0;
  let n = 0;
  const files = readdirSync(received);
  for (const f of files) {
    const seg = parseSegmentName(f);
    if (seg && seg.segno < from) continue;
    if (!seg && !historyFiles([f]).length) continue;
    if (seg && !seg.partial) linkOrCopy(join(received, f), join(to, f));
    else copyFileSync(join(received, f), join(to, f));
    n++;
  }
  return n;
}

/** A hard link (a completed segment never changes), or a copy when the mirror is on another filesystem. */
function linkOrCopy(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    copyFileSync(from, to);
  }
}

/** Removes completed segments before `from` from the receiver's directory. */
function forgetOlderWal(received: string, from: bigint): void {
  if (!existsSync(received)) return;
  for (const f of readdirSync(received)) {
    const seg = parseSegmentName(f);
    if (seg && !seg.partial && seg.segno < from) unlinkSync(join(received, f));
  }
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) n += dirBytes(p);
    else if (e.isFile()) n += statSync(p).size;
  }
  return n;
}
