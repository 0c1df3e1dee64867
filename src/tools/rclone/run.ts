// Running rclone: argv only, its --use-json-log stderr turned into readable lines, the final
// statistics and check counts picked out of it, verdict from the exit-code table.
import type { Logger } from 'pino';
import { runCommand, type RunResult } from '../../exec/run.js';
import { classifyRcloneExit, type RcloneVerdict } from './exit-codes.js';

export interface RcloneStats {
  bytes: number;
  transfers: number;
  deletes: number;
  errors: number;
}

export interface RcloneOutcome {
  verdict: RcloneVerdict;
  result: RunResult;
  stats?: RcloneStats;
  /** rclone check's counts ("N differences found", "N matching files"). */
  differences?: number;
  matching?: number;
  /** Files rclone check compared by size only (no hash in common with the remote, e.g. a crypt remote). */
  unhashed?: number;
  /** stdout lines (small outputs only: size --json). */
  stdout: string[];
  /** rclone's error-level messages, for people. */
  errors: string[];
}

export interface RcloneRunContext {
  logger?: Logger;
  signal?: AbortSignal;
}

/** One --use-json-log line, parsed: its text for people and what rclone counted. */
export function parseRcloneLogLine(line: string): { level: string; msg: string; text: string; stats?: RcloneStats } | undefined {
  if (!line.startsWith('{')) return undefined;
  let j: { level?: string; msg?: string; object?: string; stats?: Partial<RcloneStats> };
  try {
    j = JSON.parse(line);
  } catch {
    return undefined;
  }
  const msg = (j.msg ?? '').trim().replace(/\s+/g, ' ');
  const text = j.object && !j.stats ? `${j.object}: ${msg}` : msg;
  const s = j.stats;
  return {
    level: j.level ?? 'info',
    msg,
    text,
    ...(s ? { stats: { bytes: s.bytes ?? 0, transfers: s.transfers ?? 0, deletes: s.deletes ?? 0, errors: s.errors ?? 0 } } : {}),
  };
}

/** Runs `rclone args`; resolves with the verdict whatever the exit code. */
export async function runRclone(ctx: RcloneRunContext, args: string[]): Promise<RcloneOutcome> {
  const out: Omit<RcloneOutcome, 'verdict' | 'result'> = { stdout: [], errors: [] };
  const result = await runCommand('rclone', args, {
    logger: ctx.logger,
    signal: ctx.signal,
    onStdoutLine: (l) => {
      if (out.stdout.length < 1000) out.stdout.push(l);
    },
    mapStderrLine: (raw) => {
      const p = parseRcloneLogLine(raw);
      if (!p) {
        // Not JSON: rclone's fatal errors before its logging starts ("Failed to create file system
        // for ...: couldn't connect SSH: ..."). Often the only line that says what went wrong.
        const text = raw.replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d /, '').trim();
        if (text && out.errors.length < 20) out.errors.push(text);
        return raw;
      }
      if (p.stats) {
        out.stats = p.stats;
        return undefined;
      }
      const diff = /^(\d+) differences found/.exec(p.msg);
      if (diff) out.differences = Number(diff[1]);
      const match = /^(\d+) matching files/.exec(p.msg);
      if (match) out.matching = Number(match[1]);
      const unhashed = /^(\d+) hashes could not be checked/.exec(p.msg);
      if (unhashed) out.unhashed = Number(unhashed[1]);
      if ((p.level === 'error' || p.level === 'critical') && out.errors.length < 20) out.errors.push(p.text);
      return `${p.level.toUpperCase()}: ${p.text}`;
    },
  });
  const verdict = classifyRcloneExit(result.exitCode, { timedOut: result.timedOut, signal: result.signal, differences: out.differences });
  return { ...out, verdict, result };
}
