// The WAL receiver of one PostgreSQL source (or the binary log receiver of a MariaDB/MySQL source,
// binlog-receiver.ts), supervised: log in, open the tunnel, make sure the slot exists, run
// pg_receivewal into <state_dir>/pitr/<host>/<source>/wal and probe how far it reached every few seconds; when it, the tunnel or the SSH connection dies, record why and start again
// after a back-off (1 s, doubling to 1 min; reset after a minute of streaming). Runs until `signal`.
import { existsSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import type { Logger } from 'pino';
import { receiverRecord, recordReceiver } from '../catalog/pitr.js';
import { buildCreateSlotArgs, buildReceiveWalArgs, formatLsn, pgTool, walEnv } from '../engines/postgres-wal.js';
import { describeError } from '../errors.js';
import { runCommand, toolErrorFrom } from '../exec/run.js';
import { utcStamp } from '../util/stamp.js';
import { ensurePrivateDir } from '../util/private.js';
import { receiverSocketDir, walDir } from './paths.js';
import { probeReplication, reachedAt, serverSetting, type ProbePoint } from './probe.js';
import { openPitrLink, type PitrLink } from './tunnel.js';
import { pause } from './pause.js';
import { receiveBinlogOnce } from './binlog-receiver.js';
import type { ReceiverDeps } from './receiver-deps.js';

export type { ReceiverDeps };
import { parseSegmentName } from './wal-files.js';


const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 60_000;
/** Streaming this long proves the receiver healthy again: the next failure starts the back-off anew. */
const HEALTHY_MS = 60_000;

/** Supervises the source's receiver until `signal` fires; every failure of the receiver is recorded and retried (only a catalog that cannot be written throws). */
export async function superviseReceiver(d: ReceiverDeps): Promise<void> {
  const { host, source, catalog } = d;
  const log = d.logger.child({ receiver: `${host.name}/${source.name}` });
  const binlog = source.pitr!.engine !== 'postgres';
  const what = binlog ? 'binary log receiver' : 'WAL receiver';
  let backoff = FIRST_BACKOFF_MS;
  let first = true;
  while (!d.signal.aborted) {
    const started = Date.now();
    // An open gap stays the state until a base backup after it closes it (base-backup.ts).
    const open = receiverRecord(catalog, host.name, source.name)?.gap;
    recordReceiver(catalog, host.name, source.name, { state: open ? 'gap' : 'starting', pid: process.pid, since: new Date().toISOString(), restarted: !first });
    first = false;
    let why: string;
    try {
      why = await (binlog ? receiveBinlogOnce(d, log) : receiveOnce(d, log));
    } catch (e) {
      why = describeError(e);
    }
    if (d.signal.aborted) break;
    if (Date.now() - started > HEALTHY_MS) backoff = FIRST_BACKOFF_MS;
    const state = receiverRecord(catalog, host.name, source.name)?.state === 'gap' ? 'gap' : 'retrying';
    recordReceiver(catalog, host.name, source.name, { state, lastError: why, since: new Date().toISOString() });
    log.warn({ err: why, retryInMs: backoff }, `${what} stopped: ${why}; again in ${Math.round(backoff / 1000)} s`);
    await pause(backoff, d.signal);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }
  recordReceiver(catalog, host.name, source.name, { state: 'stopped', since: new Date().toISOString() });
  log.info(`${what} stopped (daemon stopping)`);
}

/** One life of the receiver: returns (or throws) why it ended. */
async function receiveOnce(d: ReceiverDeps, log: Logger): Promise<string> {
  const { global, host, source, catalog } = d;
  const pitr = source.pitr!;
  const dir = walDir(global, host.name, source.name);
  mkdirSync(dir, { recursive: true });
  ensurePrivateDir(dir);
  const link: PitrLink = await openPitrLink(global, host, source, receiverSocketDir(global, host.name, source.name), { logger: log, signal: d.signal });
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  d.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const tool = pgTool(d.bin, 'pg_receivewal');
    const env = walEnv(link.conn);
    const slot = await runCommand(tool, buildCreateSlotArgs(link.conn, pitr.slot), { env, timeoutMs: 60_000, logger: log, signal: stop.signal, quiet: true });
    if (slot.exitCode !== 0) throw toolErrorFrom(slot, `cannot create replication slot ${pitr.slot}`);
    const before = await probeReplication(d.bin, link.conn, pitr.slot, { logger: log, signal: stop.signal });
    // The slot's risk: without max_slot_wal_keep_size the server keeps WAL for an absent backup host until its disk is full.
    const keep = await serverSetting(d.bin, link.conn, 'max_slot_wal_keep_size', { logger: log, signal: stop.signal });
    recordReceiver(catalog, host.name, source.name, { slotKeepSize: keep });
    if (keep === '-1') log.warn({ setting: 'max_slot_wal_keep_size' }, `the server's max_slot_wal_keep_size is -1 (unlimited): while this receiver is away the slot ${pitr.slot} keeps WAL until the server's disk is full; set it (docs/pitr.md)`);
    noteTimeline(d, dir, before.timeline);
    const stderr: string[] = [];
    const receiving = runCommand(tool, buildReceiveWalArgs(link.conn, pitr.slot, dir), {
      env,
      signal: stop.signal,
      logger: log,
      onStderrLine: (l) => {
        stderr.push(l);
        if (stderr.length > 20) stderr.shift();
        log.info({ tool: 'pg_receivewal' }, l);
      },
    });
    let ended = false;
    const done = receiving.finally(() => (ended = true));
    const lost = link.closed.then(() => 'the SSH connection closed');
    const probing = probeLoop(d, link, log, () => ended || stop.signal.aborted);
    const first = await Promise.race([done.then(() => 'receiver'), lost]);
    stop.abort();
    const r = await done;
    await probing.catch(() => undefined);
    if (first !== 'receiver') return first;
    if (d.signal.aborted) return 'interrupted';
    const said = stderr.filter((l) => /error|FATAL/i.test(l)).join('; ') || `pg_receivewal exited ${r.exitCode ?? r.signal}`;
    if (/has already been removed/.test(said)) setAsideAfterGap(d, dir, said, log);
    return said;
  } finally {
    d.signal.removeEventListener('abort', onAbort);
    stop.abort();
    await link.close();
  }
}

/** Probes every few seconds while the receiver runs, recording its state and the newest reachable point. */
async function probeLoop(d: ReceiverDeps, link: PitrLink, log: Logger, over: () => boolean): Promise<void> {
  const { host, source, catalog } = d;
  const points: ProbePoint[] = [];
  const every = (d.probeSeconds ?? 5) * 1000;
  let streaming = false;
  while (!over()) {
    try {
      const at = new Date();
      const p = await probeReplication(d.bin, link.conn, source.pitr!.slot, { logger: log, signal: d.signal });
      points.push({ at, serverLsn: p.serverLsn });
      if (points.length > 100) points.shift();
      const reached = reachedAt(points, p.slotLsn);
      const known = receiverRecord(catalog, host.name, source.name);
      const newer = reached && (!known?.reachedAt || new Date(known.reachedAt) < reached);
      recordReceiver(catalog, host.name, source.name, {
        ...(known?.gap ? {} : { state: 'streaming' as const }),
        ...(streaming ? {} : { since: new Date().toISOString() }),
        serverLsn: formatLsn(p.serverLsn),
        receivedLsn: p.slotLsn === undefined ? null : formatLsn(p.slotLsn),
        ...(newer ? { reachedAt: reached!.toISOString() } : {}),
      });
      if (!streaming) log.info({ slot: source.pitr!.slot, serverLsn: formatLsn(p.serverLsn), receivedLsn: p.slotLsn === undefined ? null : formatLsn(p.slotLsn) }, `WAL receiver streaming from slot ${source.pitr!.slot}`);
      streaming = true;
    } catch (e) {
      if (!over()) log.warn({ err: describeError(e) }, 'replication probe failed');
    }
    await pause(every, d.signal, over);
  }
}

/**
 * A server on another timeline than the newest WAL received (it was promoted, or restored): the WAL
 * goes on along its history file, but the window before it cannot be told continuous without a
 * base backup on the new timeline, so it is recorded as a gap.
 */
function noteTimeline(d: ReceiverDeps, dir: string, serverTimeline: number): void {
  const segments = readdirSync(dir).map(parseSegmentName).filter((s) => s !== undefined);
  const newest = segments.sort((a, b) => (a.segno < b.segno ? -1 : a.segno > b.segno ? 1 : a.timeline - b.timeline)).at(-1);
  if (newest && newest.timeline !== serverTimeline) {
    const known = receiverRecord(d.catalog, d.host.name, d.source.name)?.gap;
    const gap = `timeline switch: the server is on timeline ${serverTimeline}, the WAL received so far on ${newest.timeline} (a promotion or restore of the server): a base backup on the new timeline starts a new window (pullback run --host ${d.host.name})`;
    recordReceiver(d.catalog, d.host.name, d.source.name, { state: 'gap', gap, gapAt: new Date().toISOString() });
    if (!known) d.onGap?.(gap);
  }
}

/**
 * The server no longer has the WAL after the newest segment received (the slot was lost: dropped,
 * or invalidated by max_slot_wal_keep_size): the received WAL is moved aside (kept for points
 * before the gap) and streaming starts again from the slot's position; the gap is recorded red
 * until a base backup after it.
 */
function setAsideAfterGap(d: ReceiverDeps, dir: string, said: string, log: Logger): void {
  const aside = `${dir}-before-gap-${utcStamp(new Date())}`;
  if (existsSync(dir)) renameSync(dir, aside);
  mkdirSync(dir, { recursive: true });
  ensurePrivateDir(dir);
  const gap = `WAL lost on the server before the receiver got it (${said}); the WAL received before is kept in ${aside}; a base backup starts a new window (pullback run --host ${d.host.name})`;
  recordReceiver(d.catalog, d.host.name, d.source.name, { state: 'gap', gap, gapAt: new Date().toISOString() });
  log.error({ gap }, gap);
  d.onGap?.(gap);
}
