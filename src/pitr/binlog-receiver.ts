// One life of the binary log receiver of a MariaDB/MySQL source (superviseReceiver in receiver.ts
// restarts it with its back-off): log in, open the tunnel, ask the server where its log stands and
// which logs it still has, then run `mariadb-binlog --read-from-remote-server --raw --stop-never`
// into <state_dir>/pitr/<host>/<source>/binlog from the newest log received (the server's current
// one the first time), probing every few seconds how far the received files reached.
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { receiverRecord, recordReceiver } from '../catalog/pitr.js';
import { binlogPrograms, buildBinlogProbeArgs, buildReceiveBinlogArgs, parseBinlogProbe, type BinlogConnection, type BinlogProbe } from '../engines/mariadb-binlog.js';
import { describeError, ToolError } from '../errors.js';
import { runCommand, toolErrorFrom } from '../exec/run.js';
import { pgSocketPath } from '../tools/ssh/tunnel.js';
import { ensurePrivateDir } from '../util/private.js';
import { utcStamp } from '../util/stamp.js';
import { binlogContinuity, binlogOrdinal, describeMissingBinlogs } from './binlog-files.js';
import { binlogDir, receiverSocketDir } from './paths.js';
import { reachedAt, type ProbePoint } from './probe.js';
import type { ReceiverDeps } from './receiver-deps.js';
import { pause } from './pause.js';
import { openPitrLink, type PitrLink } from './tunnel.js';

/** The receiver's connection through `link`. */
export function binlogConnection(link: PitrLink): BinlogConnection {
  return { socket: pgSocketPath(link.tunnel.dir, link.tunnel.port), user: link.conn.user, ...(link.conn.passwordFile ? { passwordFile: link.conn.passwordFile } : {}) };
}

/** Where the server's binary log stands; throws ToolError (no login, no binary log). */
export async function probeBinlog(client: string, c: BinlogConnection, opts: { logger?: Logger; signal?: AbortSignal } = {}): Promise<BinlogProbe> {
  const r = await runCommand(client, buildBinlogProbeArgs(c), { captureStdout: true, timeoutMs: 30_000, quiet: true, ...opts });
  if (r.exitCode !== 0) throw toolErrorFrom(r, 'the binary log probe failed');
  const answer = parseBinlogProbe(r.stdout ?? '');
  if (!answer) {
    throw new ToolError('the server has no binary log (SHOW MASTER STATUS is empty): set log_bin and binlog_format=ROW on it (docs/pitr.md)', { command: r.command, exitCode: r.exitCode, timedOut: false, durationMs: r.durationMs, stderrTail: [] });
  }
  return answer;
}

/** One life of the receiver: returns (or throws) why it ended. */
export async function receiveBinlogOnce(d: ReceiverDeps, log: Logger): Promise<string> {
  const { global, host, source } = d;
  const programs = binlogPrograms(source.pitr!.engine === 'mysql' ? 'mysql' : 'mariadb');
  const dir = binlogDir(global, host.name, source.name);
  mkdirSync(dir, { recursive: true });
  ensurePrivateDir(dir);
  const link = await openPitrLink(global, host, source, receiverSocketDir(global, host.name, source.name), { logger: log, signal: d.signal });
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  d.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const c = binlogConnection(link);
    const server = await probeBinlog(programs.client, c, { logger: log, signal: stop.signal });
    const first = startingLog(d, dir, server, log);
    const stderr: string[] = [];
    const receiving = runCommand(programs.binlog, buildReceiveBinlogArgs(c, dir, first), {
      cwd: dir,
      signal: stop.signal,
      logger: log,
      onStderrLine: (l) => {
        stderr.push(l);
        if (stderr.length > 20) stderr.shift();
        log.info({ tool: programs.binlog }, l);
      },
    });
    let ended = false;
    const done = receiving.finally(() => (ended = true));
    const lost = link.closed.then(() => 'the SSH connection closed');
    const probing = probeLoop(d, programs.client, c, dir, log, () => ended || stop.signal.aborted);
    const which = await Promise.race([done.then(() => 'receiver'), lost]);
    stop.abort();
    const r = await done;
    await probing.catch(() => undefined);
    if (which !== 'receiver') return which;
    if (d.signal.aborted) return 'interrupted';
    const said = stderr.filter((l) => /error|could not|fatal/i.test(l)).join('; ') || `${programs.binlog} exited ${r.exitCode ?? r.signal}`;
    // The server purged the log between the probe and the request: the next start sees it and records the gap.
    return said;
  } finally {
    d.signal.removeEventListener('abort', onAbort);
    stop.abort();
    await link.close();
  }
}

/**
 * The log to start from: the newest received (received again whole: mariadb-binlog truncates it and
 * the server sends it from its start), else the server's current one. When the server no longer has
 * the newest received log (purged by binlog_expire_logs_seconds or PURGE BINARY LOGS while the
 * receiver was away, or RESET MASTER) or a log received is missing in between, the events between
 * are lost: the received logs are moved aside, the gap recorded, and receiving starts again at the
 * server's current log.
 */
function startingLog(d: ReceiverDeps, dir: string, server: BinlogProbe, log: Logger): string {
  const decided = decideStart(readdirSync(dir), server);
  if (!decided.gap) return decided.start;
  const aside = `${dir}-before-gap-${utcStamp(new Date())}`;
  renameSync(dir, aside);
  mkdirSync(dir, { recursive: true });
  ensurePrivateDir(dir);
  const gap = `binary logs lost: ${decided.gap}; the logs received before are kept in ${aside}; the next dump starts a new window (pullback run --host ${d.host.name})`;
  const known = receiverRecord(d.catalog, d.host.name, d.source.name)?.gap;
  recordReceiver(d.catalog, d.host.name, d.source.name, { state: 'gap', gap, gapAt: new Date().toISOString() });
  log.error({ gap }, gap);
  if (!known) d.onGap?.(gap);
  return decided.start;
}

/** Where to start receiving, from the files received and the server's answer, and the gap found if any. Pure. */
export function decideStart(received: readonly string[], server: BinlogProbe): { start: string; gap?: string } {
  const have = binlogContinuity(received);
  const newest = have.newest;
  if (!newest) return { start: server.file };
  if (have.missing.length > 0) return { start: server.file, gap: `${describeMissingBinlogs(have.missing)} among those received` };
  if (!server.logs.includes(newest.name)) {
    return { start: server.file, gap: `the server no longer has ${newest.name}, the newest binary log received (its oldest is ${server.logs[0] ?? 'none'}: purged before the receiver got the rest)` };
  }
  return { start: newest.name };
}

/** Bytes of `file` received so far (0 when not yet there). */
function receivedBytes(dir: string, file: string): number {
  const p = join(dir, file);
  return existsSync(p) ? statSync(p).size : 0;
}

/**
 * Probes every few seconds while the receiver runs: the server's position (file, offset) against
 * the size of that file received (mariadb-binlog --raw writes each event as it comes). A probe whose
 * position the received file has reached proves every event logged before it received.
 */
async function probeLoop(d: ReceiverDeps, client: string, c: BinlogConnection, dir: string, log: Logger, over: () => boolean): Promise<void> {
  const { host, source, catalog } = d;
  const points: ProbePoint[] = [];
  const every = (d.probeSeconds ?? 5) * 1000;
  let streaming = false;
  while (!over()) {
    try {
      const at = new Date();
      const p = await probeBinlog(client, c, { logger: log, signal: d.signal });
      points.push({ at, serverLsn: binlogOrdinal(p.file, p.position) });
      if (points.length > 100) points.shift();
      // The newest file received and its size: events the server logged are in it up to there.
      const newest = binlogContinuity(readdirSync(dir)).newest;
      const got = newest ? binlogOrdinal(newest.name, receivedBytes(dir, newest.name)) : undefined;
      const reached = reachedAt(points, got);
      const known = receiverRecord(catalog, host.name, source.name);
      const newer = reached && (!known?.reachedAt || new Date(known.reachedAt) < reached);
      recordReceiver(catalog, host.name, source.name, {
        ...(known?.gap ? {} : { state: 'streaming' as const }),
        ...(streaming ? {} : { since: new Date().toISOString() }),
        serverLsn: `${p.file}:${p.position}`,
        receivedLsn: newest ? `${newest.name}:${receivedBytes(dir, newest.name)}` : null,
        ...(newer ? { reachedAt: reached!.toISOString() } : {}),
      });
      if (!streaming) log.info({ serverLog: `${p.file}:${p.position}`, received: newest?.name ?? null }, `binary log receiver streaming from ${p.file}`);
      streaming = true;
    } catch (e) {
      if (!over()) log.warn({ err: describeError(e) }, 'binary log probe failed');
    }
    await pause(every, d.signal, over);
  }
}
