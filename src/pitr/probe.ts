// How far the received WAL reaches: the server's flush position and the slot's (what pg_receivewal
// flushed, with --synchronous) asked over the tunnel's replication connection. A probe that finds
// the slot at or past the server position of an earlier probe proves every transaction committed
// before that earlier probe received: that probe's time is the newest reachable point.
import type { Logger } from 'pino';
import { buildShowArgs, buildProbeArgs, parseProbe, pgTool, walEnv, type ProbeAnswer, type WalConnection } from '../engines/postgres-wal.js';
import { runCommand, toolErrorFrom } from '../exec/run.js';
import { ToolError } from '../errors.js';

/** The server's and the slot's positions now; throws ToolError when psql fails or answers otherwise. */
export async function probeReplication(bin: string, conn: WalConnection, slot: string, opts: { logger?: Logger; signal?: AbortSignal } = {}): Promise<ProbeAnswer> {
  const r = await runCommand(pgTool(bin, 'psql'), buildProbeArgs(conn, slot), { env: walEnv(conn), captureStdout: true, timeoutMs: 30_000, quiet: true, ...opts });
  if (r.exitCode !== 0) throw toolErrorFrom(r, 'the replication probe failed');
  const answer = parseProbe(r.stdout ?? '');
  if (!answer) throw new ToolError('the replication probe gave an answer pullback does not read', { command: r.command, exitCode: r.exitCode, timedOut: false, durationMs: r.durationMs, stderrTail: (r.stdout ?? '').split('\n').slice(0, 3) });
  return answer;
}

export interface ProbePoint {
  at: Date;
  serverLsn: bigint;
}

/**
 * The newest point proven received, from the probes so far (`earlier`, oldest first) and the slot
 * position now: the time of the latest probe whose server position the slot has reached. Pure.
 */
export function reachedAt(earlier: readonly ProbePoint[], slotLsn: bigint | undefined): Date | undefined {
  if (slotLsn === undefined) return undefined;
  let best: Date | undefined;
  for (const p of earlier) if (slotLsn >= p.serverLsn) best = p.at;
  return best;
}

/** A server setting read over the replication connection (`SHOW`); throws ToolError. */
export async function serverSetting(bin: string, conn: WalConnection, setting: string, opts: { logger?: Logger; signal?: AbortSignal } = {}): Promise<string> {
  const r = await runCommand(pgTool(bin, 'psql'), buildShowArgs(conn, setting), { env: walEnv(conn), captureStdout: true, timeoutMs: 30_000, quiet: true, ...opts });
  if (r.exitCode !== 0) throw toolErrorFrom(r, `cannot read ${setting} from the server`);
  return (r.stdout ?? '').trim();
}
