// Running borg: its environment (state under <state_dir>/borg, passphrase by file descriptor,
// never argv or env value), output streamed, verdict from the exit-code table.
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { RepositoryConfig } from '../../config/types.js';
import { ToolError } from '../../errors.js';
import { runCommand, toolErrorFrom, type RunResult } from '../../exec/run.js';
import { parseBorgLogLine, type BorgCreateProgress } from './progress.js';
import { borgReasonOf } from './stderr.js';
import { classifyBorgExit, locked, noSpace, rolledBack, saysLocked, saysNoSpace, saysRolledBack, saysWrongPassphrase, wrongPassphrase, type BorgVerdict } from './exit-codes.js';

export interface BorgContext {
  repository: RepositoryConfig;
  stateDir: string;
  logger?: Logger;
  signal?: AbortSignal;
  /**
   * Other security and cache directories than the state dir's: a read-only look at what the
   * repository holds now, with no memory of a newer state (archive/vanished.ts). Never for writes.
   */
  scratchDirs?: { security: string; cache: string };
  /** Lower CPU priority (nice) for these borg commands: reads with time to spare beside one something waits for. */
  nice?: number;
}

export interface BorgRunOptions {
  cwd?: string;
  onStdoutLine?: (line: string) => void;
  /** '\0' for NUL-terminated stdout records (see RunOptions.stdoutSeparator). */
  stdoutSeparator?: '\n' | '\0';
  onStderrLine?: (line: string) => void;
  timeoutMs?: number;
  /** Log at debug level (listing helpers). */
  quiet?: boolean;
  /** With --log-json in args: called with each archive_progress line (log messages are unwrapped to their text). */
  onProgress?: (p: BorgCreateProgress) => void;
  /** Rewrites each stderr line (after --log-json unwrapping) before it is kept; undefined drops it. */
  mapStderrLine?: (line: string) => string | undefined;
  /** Variables added to borg's environment (a confirmation borg would otherwise ask for on a terminal). */
  extraEnv?: Record<string, string>;
}

export interface BorgOutcome {
  verdict: BorgVerdict;
  result: RunResult;
}

/** Environment for borg: its own config/cache/security dirs under the state dir, no prompts. */
export function borgEnv(ctx: Pick<BorgContext, 'repository' | 'stateDir' | 'scratchDirs'>): Record<string, string> {
  const base = ctx.repository.borgBaseDir ?? join(ctx.stateDir, 'borg');
  const env: Record<string, string> = {
    BORG_BASE_DIR: base,
    BORG_CONFIG_DIR: join(base, 'config'),
    BORG_CACHE_DIR: ctx.scratchDirs?.cache ?? join(base, 'cache'),
    BORG_SECURITY_DIR: ctx.scratchDirs?.security ?? join(base, 'security'),
    BORG_KEYS_DIR: join(base, 'keys'),
    BORG_DISPLAY_PASSPHRASE: 'no',
    // borg >= 1.4 would otherwise use its new exit codes; our table is the classic 0/1/2.
    BORG_EXIT_CODES: 'legacy',
    LC_ALL: 'C.UTF-8',
    LANG: 'C.UTF-8',
  };
  if (ctx.repository.rsh) env.BORG_RSH = ctx.repository.rsh;
  if (ctx.repository.encryption === 'none') env.BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK = 'yes';
  else env.BORG_PASSPHRASE_FD = '3';
  return env;
}

/** What borg says when it removes a lock (or roster entry) of a process that is gone. */
const STALE_LOCK = /^(Killed stale lock |Removed stale \S+ roster lock )/;

/** How long a borg command waits for a repository or cache lock another live process holds, in all. */
export const BORG_LOCK_WAIT_SECONDS = 120;
/** The wait for another process's lock: BORG_LOCK_WAIT_SECONDS, or PULLBACK_BORG_LOCK_WAIT_SECONDS (tests: a lock held past the wait without waiting two minutes). */
const lockWaitSeconds = (): number => {
  const v = Number(process.env.PULLBACK_BORG_LOCK_WAIT_SECONDS);
  return Number.isFinite(v) && v > 0 ? v : BORG_LOCK_WAIT_SECONDS;
};


/**
 * Runs `borg args`; resolves with the verdict whatever the exit code. A lock held by another
 * process is waited for up to BORG_LOCK_WAIT_SECONDS: borg waits LOCK_WAIT per attempt, polling
 * every tenth of it, and an attempt that timed out on the lock (having done nothing) is started again.
 */
export async function runBorg(ctx: BorgContext, args: string[], opts: BorgRunOptions = {}): Promise<BorgOutcome> {
  const until = Date.now() + lockWaitSeconds() * 1000;
  for (let attempt = 1; ; attempt++) {
    let lockTimeout = false;
    const out = await runBorgOnce(ctx, args, {
      ...opts,
      onStderrLine: (l) => {
        if (saysLocked(l)) lockTimeout = true;
        opts.onStderrLine?.(l);
      },
    });
    if (!lockTimeout || out.result.exitCode === 0 || Date.now() >= until || ctx.signal?.aborted) return out;
    if (attempt === 1) ctx.logger?.info({ cmd: out.result.command }, `borg is waiting for a lock another process holds (up to ${lockWaitSeconds()} s)`);
    await sleep(100, undefined, { signal: ctx.signal }).catch(() => undefined);
  }
}

async function runBorgOnce(ctx: BorgContext, args: string[], opts: BorgRunOptions): Promise<BorgOutcome> {
  const needsPass = ctx.repository.encryption !== 'none' && ctx.repository.passphraseFile;
  // A fresh descriptor per call: borg reads it to the end and closes it.
  const fd = needsPass ? openSync(ctx.repository.passphraseFile!, 'r') : undefined;
  let wrongPass = false;
  let full: string | undefined;
  let replay: string | undefined;
  let lockTimeout: string | undefined;
  try {
    const result = await runCommand('borg', args, {
      cwd: opts.cwd,
      env: { ...borgEnv(ctx), ...opts.extraEnv },
      passFds: fd !== undefined ? [fd] : [],
      logger: ctx.logger,
      quiet: opts.quiet,
      signal: ctx.signal,
      nice: ctx.nice,
      timeoutMs: opts.timeoutMs,
      onStdoutLine: opts.onStdoutLine,
      stdoutSeparator: opts.stdoutSeparator,
      mapStderrLine:
        opts.onProgress || opts.mapStderrLine
          ? (l) => {
              const text = opts.onProgress ? logJsonLine(l, opts.onProgress) : l;
              return text === undefined || !opts.mapStderrLine ? text : opts.mapStderrLine(text);
            }
          : undefined,
      onStderrLine: (l) => {
        if (saysWrongPassphrase(l)) wrongPass = true;
        if (saysRolledBack(l)) replay = l;
        if (saysLocked(l)) lockTimeout = l;
        // The clearest line wins: borg's own free-space check, else the first ENOSPC it reported.
        if (saysNoSpace(l) && (full === undefined || /Insufficient free space/.test(l))) full = l;
        // borg 1.2 removes a lock whose holder is a dead process on this host (by PID); say so.
        if (STALE_LOCK.test(l)) ctx.logger?.warn({ borg: l }, 'borg broke a stale repository lock left by a dead process');
        opts.onStderrLine?.(l);
      },
    });
    if (wrongPass && result.exitCode !== 0) return { verdict: wrongPassphrase(ctx.repository.passphraseFile), result };
    if (full !== undefined && result.exitCode !== 0) return { verdict: noSpace(full, result.exitCode), result };
    if (replay !== undefined && result.exitCode !== 0) return { verdict: rolledBack(replay), result };
    if (lockTimeout !== undefined && result.exitCode !== 0) return { verdict: locked(lockTimeout), result };
    return { verdict: classifyBorgExit(result.exitCode, result.timedOut, result.signal), result };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Runs borg and throws a ToolError unless it succeeded (warnings allowed); returns stdout lines (small outputs only). */
export async function runBorgOrThrow(ctx: BorgContext, args: string[], what: string, opts: BorgRunOptions = {}): Promise<string[]> {
  const lines: string[] = [];
  const out = await runBorg(ctx, args, {
    ...opts,
    onStdoutLine: (l) => {
      lines.push(l);
      opts.onStdoutLine?.(l);
    },
  });
  if (out.verdict.kind === 'failed') throw borgFailure(out, what);
  return lines;
}

/**
 * The ToolError of a failed borg run: for a known cause (a wrong passphrase, a full disk, a
 * repository that went back in time) its plain reason, else borg's exit and last lines.
 */
export function borgFailure(out: BorgOutcome, what: string): ToolError {
  const e = borgErrorFrom(out.result, what);
  return out.verdict.kind === 'failed' && out.verdict.cause ? new ToolError(`${what}: ${out.verdict.reason}`, e.details) : e;
}

/** The ToolError of a failed borg run with borg's reason (its exception line after a traceback, never its footer). */
export function borgErrorFrom(result: RunResult, what: string): ToolError {
  return toolErrorFrom(result, what, borgReasonOf(result));
}

/** A --log-json stderr line as plain text: progress goes to `onProgress` and is dropped, messages and file lines are unwrapped. */
function logJsonLine(line: string, onProgress: (p: BorgCreateProgress) => void): string | undefined {
  const parsed = parseBorgLogLine(line);
  if (!parsed) return line;
  if (parsed.kind === 'progress') {
    onProgress(parsed.progress);
    return undefined;
  }
  // A file's status line is handed on as borg prints it without --log-json, so that the --list
  // counting (borg create) sees the same lines at a terminal as under cron.
  return parsed.kind === 'message' || parsed.kind === 'file' ? parsed.text : undefined;
}
