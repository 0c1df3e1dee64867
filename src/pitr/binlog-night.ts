// The night's part of a MariaDB/MySQL source's point-in-time recovery: tonight's verified dump,
// taken with --master-data=2, is the starting point (what a PostgreSQL base backup is), and beside
// it the mirror's `.pitr/<source>/binlog` is made the binary logs received from the previous
// night's starting point on (completed logs hard-linked, the one being written copied as it is), so
// the night's archive holds the dump and every log needed to replay it to any point up to tonight.
// Recorded in pitr_base_backups (its start file:position, the dump's times) as a base backup is.
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { DumpRecord } from '../archive/manifest.js';
import { archivedBaseBackups, receiverRecord, recordBaseBackup, recordReceiver } from '../catalog/pitr.js';
import type { SourceConfig } from '../config/types.js';
import { ensureMirrorTop, hostRepo, type HostContext, type StepOutcome } from '../job/context.js';
import { ensurePrivateDir } from '../util/private.js';
import { binlogContinuity, binlogOrdinal, describeMissingBinlogs, parseBinlogName } from './binlog-files.js';
import { ARCHIVE_PITR_DIR, binlogDir, mirrorPitrDir } from './paths.js';

export interface BinlogNightFacts {
  startFile: string;
  startPosition: number;
  logs: number;
}

/** The earliest binary log position among `dumps` (each database's dump has its own snapshot). */
export function earliestPosition(dumps: readonly DumpRecord[]): { file: string; position: number } | undefined {
  let best: { file: string; position: number } | undefined;
  for (const d of dumps) {
    const p = d.binlogPosition;
    if (p && (!best || binlogOrdinal(p.file, p.position) < binlogOrdinal(best.file, best.position))) best = p;
  }
  return best;
}

/** Archives the binary logs beside tonight's dumps and records the night's starting point; failed when tonight's dump cannot start a replay. */
export async function archiveBinlogs(ctx: HostContext, source: SourceConfig, dumps: readonly DumpRecord[]): Promise<StepOutcome<BinlogNightFacts>> {
  const { global, host } = ctx;
  const start = earliestPosition(dumps);
  if (!start) {
    return { status: 'failed', error: `tonight's dump of ${source.name} names no binary log position (taken with --master-data=2: is log_bin on, and may the dump user read it? docs/pitr.md)` };
  }
  const received = binlogDir(global, host.name, source.name);
  const files = existsSync(received) ? readdirSync(received) : [];
  const have = binlogContinuity(files, start.file);
  if (have.missing.length > 0) {
    const oldest = binlogContinuity(files).files[0]?.name;
    return {
      status: 'failed',
      error: `tonight's dump starts at ${start.file}:${start.position}, but the binary logs received ${oldest ? `begin at ${oldest}` : 'are none yet (is pullback daemon running?)'}: ${describeMissingBinlogs(have.missing)}; no point after tonight's dump is reachable until they are`,
    };
  }
  ensureMirrorTop(global, host.name);
  const dir = mirrorPitrDir(global, host.name, source.name);
  mkdirSync(dir, { recursive: true });
  ensurePrivateDir(join(dir, '..'));
  // The logs the night archives: from the previous starting point on (that dump still replays to
  // any point up to tonight from the archives), tonight's when there is none.
  const earlier = archivedBaseBackups(ctx.catalog, hostRepo(ctx), host.name, source.name).at(-1);
  const from = earlier && parseBinlogName(earlier.startWal) && binlogOrdinal(earlier.startWal, 0) < binlogOrdinal(start.file, 0) ? earlier.startWal : start.file;
  const logs = mirrorBinlogs(received, join(dir, 'binlog'), from);
  forgetOlderBinlogs(received, from);
  const times = dumps.filter((d) => d.binlogPosition);
  const startedAt = times.map((d) => d.startedAt ?? d.firstSeenAt ?? new Date().toISOString()).sort()[0]!;
  const endedAt = times.map((d) => d.endedAt ?? d.firstSeenAt ?? new Date().toISOString()).sort().at(-1)!;
  const bytes = times.reduce((n, d) => n + d.size, 0);
  const at = `${start.file}:${start.position}`;
  recordBaseBackup(ctx.catalog, { host: host.name, source: source.name, runId: ctx.runId, startedAt, endedAt, timeline: 0, startLsn: at, endLsn: at, startWal: start.file, bytes });
  // A gap found by the receiver before tonight's dump began is behind the new window.
  const rec = receiverRecord(ctx.catalog, host.name, source.name);
  if (rec?.gap && rec.gapAt && new Date(rec.gapAt) < new Date(startedAt)) recordReceiver(ctx.catalog, host.name, source.name, { gap: null, gapAt: null, state: rec.state === 'gap' ? 'streaming' : rec.state });
  ctx.logger.info({ step: 'base_backup', source: source.name, start: at, logs }, `binary logs of ${source.name}: tonight's dump starts at ${at}; ${logs} log(s) from ${from} archived beside it`);
  return { status: 'ok', details: { start: at, from, logs, path: `${ARCHIVE_PITR_DIR}/${source.name}/binlog` }, value: { startFile: start.file, startPosition: start.position, logs } };
}

/** Makes `to` hold the received logs from `from` on: all but the newest hard-linked (complete, never written again), the newest copied as it is now. */
function mirrorBinlogs(received: string, to: string, from: string): number {
  rmSync(to, { recursive: true, force: true });
  mkdirSync(to, { recursive: true });
  const logs = binlogContinuity(readdirSync(received), from).files;
  logs.forEach((f, i) => {
    if (i === logs.length - 1) copyFileSync(join(received, f.name), join(to, f.name));
    else {
      try {
        linkSync(join(received, f.name), join(to, f.name));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
        copyFileSync(join(received, f.name), join(to, f.name));
      }
    }
  });
  return logs.length;
}

/** Removes received logs before `from` (the archives hold them). */
function forgetOlderBinlogs(received: string, from: string): void {
  const limit = parseBinlogName(from);
  if (!limit) return;
  for (const f of readdirSync(received)) {
    const b = parseBinlogName(f);
    if (b && b.base === limit.base && b.seq < limit.seq) unlinkSync(join(received, f));
  }
}
