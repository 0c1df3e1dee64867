// The only place in pullback that spawns processes: argument arrays, no shell, an environment
// allow-list, explicit cwd, timeout and AbortSignal that kill the whole process group, and output
// streamed line by line (rsync and borg can print millions of lines; nothing is buffered whole).
import { getPriority, setPriority } from 'node:os';
import { execa } from 'execa';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { ToolError } from '../errors.js';
import { displayCommand } from './display.js';
import { CappedOutput } from './capped.js';
import { LineGuard } from './line-guard.js';
import { reasonOf, StderrCapture } from './stderr.js';
import { killGroup, trackGroup, untrackGroup } from './groups.js';
import { withDeathSignal } from './death-signal.js';

/** Variables a child may inherit from our environment; everything else must be passed explicitly. */
const ENV_ALLOW = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TMPDIR', 'USER', 'LOGNAME'];
const KILL_GRACE_MS = 5_000;

export interface RunOptions {
  cwd?: string;
  /** Added to the allow-listed environment. */
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  signal?: AbortSignal;
  onStdoutLine?: (line: string) => void;
  /**
   * What ends a stdout record: '\n' (lines, the default) or '\0' (NUL-terminated records, for
   * output that may hold any byte but NUL, such as paths with newlines: `borg list --format ...{NUL}`).
   */
  stdoutSeparator?: '\n' | '\0';
  /** Keep stdout as it came (its first MiB, capped.ts) in the result's `stdout`, instead of lines (a small answer to parse whole). */
  captureStdout?: boolean;
  onStderrLine?: (line: string) => void;
  /** Rewrites each stderr line before it is kept or handed on; undefined drops it (e.g. progress lines). */
  mapStderrLine?: (line: string) => string | undefined;
  /** Written to stdin, then closed. Without it stdin is /dev/null. */
  input?: string | Buffer;
  /** An open file descriptor the child writes its stdout to (binary output kept whole, e.g. a decompressed dump); onStdoutLine is then not called. */
  stdoutFd?: number;
  /** Open file descriptors handed to the child as fd 3, 4, ... (e.g. BORG_PASSPHRASE_FD). */
  passFds?: number[];
  /** Values never to show in logs or errors (replaced by ***). */
  secrets?: string[];
  logger?: Logger;
  /** Log the command at debug instead of info (chatty helpers). */
  quiet?: boolean;
  /** Time between SIGTERM and SIGKILL on timeout or abort (default 5 s; a pullback job needs longer to record its end). */
  killGraceMs?: number;
  /** Lowers the child's CPU priority by this much (nice): work with time to spare, beside work something waits for. */
  nice?: number;
}

export interface RunResult {
  /** The command as shown to people, secrets masked. */
  command: string;
  exitCode: number | undefined;
  /** The signal that ended it (remote commands: CONNECTION_LOST when the channel closed without a status). */
  signal: string | undefined;
  timedOut: boolean;
  aborted: boolean;
  durationMs: number;
  stderrTail: string[];
  /** The first lines of stderr that report errors (bounded), for the failure message. */
  stderrErrors?: string[];
  /** Captured stdout (first 1 MiB), with `captureStdout` (and for remote commands given no other use for it). */
  stdout?: string;
  stdoutTruncated?: boolean;
}

/** Runs `file args`; resolves with the outcome whatever the exit code; throws ToolError only when it cannot start. */
export async function runCommand(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const command = displayCommand(file, args, opts.secrets ?? []);
  const env: Record<string, string> = {};
  for (const k of ENV_ALLOW) if (process.env[k] !== undefined) env[k] = process.env[k]!;
  for (const [k, v] of Object.entries(opts.env ?? {})) if (v !== undefined) env[k] = v;

  const started = Date.now();
  const stderr = new StderrCapture();
  const stderrTail = stderr.tail;
  let timedOut = false;
  let aborted = false;

  // Through setpriv --pdeathsig: the child is told to stop even if we are SIGKILLed (same PID, exec'd).
  const spawnAs = withDeathSignal(file, args, env.PATH, opts.cwd);
  if (!spawnAs) throw new ToolError(`cannot run ${file}: ENOENT`, { command, timedOut: false, durationMs: 0, stderrTail: [] });
  const [program, argv] = spawnAs;
  const child = execa(program, argv, {
    cwd: opts.cwd,
    env,
    extendEnv: false,
    shell: false,
    detached: true, // own process group, so a timeout kills ssh/rsync children too
    cleanup: false,
    buffer: false,
    stdio: [opts.input !== undefined ? 'pipe' : 'ignore', opts.stdoutFd ?? 'pipe', 'pipe', ...(opts.passFds ?? [])],
    reject: false,
    encoding: 'utf8',
  } as never) as unknown as import('execa').ResultPromise;

  if (opts.input !== undefined && child.stdin) {
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input);
  }
  const pid = child.pid;
  if (pid !== undefined) trackGroup(pid);
  if (pid !== undefined && opts.nice) lowerPriority(pid, opts.nice);

  const stop = (why: 'timeout' | 'abort') => {
    if (why === 'timeout') timedOut = true;
    else aborted = true;
    if (pid !== undefined) killGroup(pid, opts.killGraceMs ?? KILL_GRACE_MS);
  };
  const timer = opts.timeoutMs ? setTimeout(() => stop('timeout'), opts.timeoutMs) : undefined;
  const onAbort = () => stop('abort');
  if (opts.signal) {
    if (opts.signal.aborted) onAbort();
    else opts.signal.addEventListener('abort', onAbort, { once: true });
  }

  const guard = new LineGuard();
  const onStdoutLine = guard.wrap(opts.onStdoutLine);
  const onStderrLine = guard.wrap(opts.onStderrLine);
  // Every stream promise has its handler from the start: none can be an unhandled rejection.
  let streamError: unknown;
  const keep = (p: Promise<void>) => p.catch((e: unknown) => void (streamError ??= e));
  const streams: Promise<void>[] = [];
  const stdoutCaptured = opts.captureStdout ? new CappedOutput() : undefined;
  if (child.stdout) {
    const out = child.stdout as Readable;
    if (stdoutCaptured) streams.push(keep(capture(out, stdoutCaptured)));
    else streams.push(keep(opts.stdoutSeparator === '\0' ? eachRecord(out, '\0', onStdoutLine) : eachLine(out, onStdoutLine)));
  }
  if (child.stderr) {
    streams.push(
      keep(
        eachLine(child.stderr as Readable, (raw) => {
          const line = opts.mapStderrLine ? opts.mapStderrLine(raw) : raw;
          if (line === undefined) return;
          stderr.push(line);
          onStderrLine?.(line);
        }),
      ),
    );
  }

  let result: { exitCode?: number; signal?: string; failed?: boolean; code?: string; originalMessage?: string };
  try {
    result = (await child) as never;
    await Promise.all(streams);
  } finally {
    if (timer) clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    if (pid !== undefined) untrackGroup(pid);
  }
  const durationMs = Date.now() - started;

  if (result.exitCode === undefined && result.signal === undefined) {
    // execa could not start the program at all (ENOENT, EACCES).
    throw new ToolError(`cannot run ${file}: ${result.code ?? result.originalMessage ?? 'spawn failed'}`, {
      command,
      timedOut: false,
      durationMs,
      stderrTail,
    });
  }
  const out: RunResult = {
    command,
    exitCode: result.exitCode,
    signal: result.signal,
    timedOut,
    aborted,
    durationMs,
    stderrTail,
    stderrErrors: stderr.errors,
  };
  if (stdoutCaptured) {
    out.stdout = stdoutCaptured.text();
    if (stdoutCaptured.truncated) out.stdoutTruncated = true;
  }
  const logFields = { cmd: command, exitCode: out.exitCode, signal: out.signal, timedOut, durationMs };
  // Every command is in the log file (debug); the terminal (info) hears only of those that failed:
  // an operator restoring during an incident, and cron's mail, read the outcome, not the argv.
  if (opts.quiet || out.exitCode === 0) opts.logger?.debug(logFields, 'command finished');
  else opts.logger?.info(logFields, 'command finished');
  guard.check(command, durationMs, stderrTail);
  if (streamError !== undefined) {
    throw new ToolError(`reading the output of ${file} failed: ${streamError instanceof Error ? streamError.message : String(streamError)}`, { command, timedOut, durationMs, stderrTail });
  }
  return out;
}

/** Builds a ToolError for a finished command, with a short people-facing reason (`said`: the tool's words, by default exec/stderr's pick). */
export function toolErrorFrom(result: RunResult, reason: string, said = reasonOf(result)): ToolError {
  const how = result.timedOut
    ? 'timed out'
    : result.aborted
      ? 'was interrupted'
      : result.signal
        ? `was killed by ${result.signal}`
        : `exited ${result.exitCode}`;
  const message = `${reason}: ${how}${said ? `: ${said}` : ''}`;
  return new ToolError(message, {
    command: result.command,
    exitCode: result.exitCode,
    signal: result.signal,
    timedOut: result.timedOut,
    durationMs: result.durationMs,
    stderrTail: result.stderrTail,
  });
}

async function capture(stream: Readable, into: CappedOutput): Promise<void> {
  for await (const chunk of stream) into.push(chunk as Buffer | string);
}

async function eachLine(stream: Readable, onLine?: (line: string) => void): Promise<void> {
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  for await (const line of rl) onLine?.(line);
}

/**
 * Each `sep`-terminated record of `stream` (a last one without it too), decoded as UTF-8 (the
 * stream is set to utf8, so a character split between chunks arrives whole); one record at a time.
 */
export async function eachRecord(stream: Readable, sep: string, onRecord?: (record: string) => void): Promise<void> {
  stream.setEncoding('utf8');
  let rest = '';
  for await (const chunk of stream) {
    const text = rest + (chunk as string);
    let start = 0;
    for (let end = text.indexOf(sep); end !== -1; end = text.indexOf(sep, start)) {
      onRecord?.(text.slice(start, end));
      start = end + sep.length;
    }
    rest = text.slice(start);
  }
  if (rest !== '') onRecord?.(rest);
}

/** Lowers `pid`'s CPU priority by `by` from our own (at most nice 19); a failure leaves it as it is. */
function lowerPriority(pid: number, by: number): void {
  try {
    setPriority(pid, Math.min(19, getPriority(0) + by));
  } catch {
    // gone already, or not allowed: it only runs at our priority
  }
}
