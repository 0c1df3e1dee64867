// One remote command on an ssh2 connection: argv quoted by quote.ts, stdin fed and closed, stdout
// captured/streamed/split into lines, stderr tail kept, and a timeout or abort that really kills
// the remote process group (see shellCommandReportingPid for why a channel signal is not enough).
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import type { Client, ClientChannel } from 'ssh2';
import { describeError, ToolError } from '../../errors.js';
import { displayCommand } from '../../exec/display.js';
import type { RunResult } from '../../exec/run.js';
import { CappedOutput } from '../../exec/capped.js';
import { LineGuard } from '../../exec/line-guard.js';
import { StderrCapture } from '../../exec/stderr.js';
import { PID_REPORT_PATTERN, shellCommand, shellCommandReportingPid } from './quote.js';

/** After a kill, how long to wait for the channel to close before closing it ourselves, then giving up. */
const KILL_GRACE_MS = 5_000;

export interface SshExecOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Sent as the command's stdin, then EOF. Without it stdin is at EOF at once (like /dev/null). */
  input?: string | Buffer | Readable;
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
  /** Raw stdout is piped here (e.g. a dump into a local file); it is ended and flushed before exec resolves. */
  stdoutTo?: Writable;
  /** Values never to show in logs or errors (replaced by ***). */
  secrets?: string[];
  /** Log at debug instead of info (chatty helpers). */
  quiet?: boolean;
}

/** A remote command's outcome: the same shape as a local one (so toolErrorFrom serves both), plus captured stdout. */
export interface SshExecResult extends RunResult {
  /** Captured stdout (first 1 MiB), only when neither onStdoutLine nor stdoutTo is given. */
  stdout?: string;
  stdoutTruncated?: boolean;
}

/** Runs argv over `client`; resolves whatever the exit code; throws ToolError if no channel opens or stdoutTo fails. */
export async function execOnClient(
  client: Client,
  where: string,
  argv: readonly string[],
  opts: SshExecOptions,
  logger: Logger | undefined,
): Promise<SshExecResult> {
  const command = `${where}: ${displayCommand(argv[0] ?? '', argv.slice(1), opts.secrets ?? [])}`;
  const started = Date.now();
  const toolError = (message: string, extra: Partial<SshExecResult> = {}) =>
    new ToolError(message, {
      command,
      exitCode: extra.exitCode,
      signal: extra.signal,
      timedOut: extra.timedOut ?? false,
      durationMs: Date.now() - started,
      stderrTail: extra.stderrTail ?? [],
    });

  let exitCode: number | undefined;
  let exitSignal: string | undefined;
  let markClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (markClosed = resolve));
  const channel = await openExec(client, shellCommandReportingPid(argv), (ch) => {
    ch.on('exit', (code: number | null, sig?: string) => {
      if (typeof code === 'number') exitCode = code;
      else if (sig) exitSignal = sig;
    });
    ch.once('close', () => markClosed());
  }).catch((e: unknown) => {
    throw toolError(`cannot run a command on ${where}: ${describeError(e)}`);
  });
  channel.on('error', () => undefined); // surfaces through close and the missing exit status

  // Killing: by process group once the remote PID is known, plus the channel signal where sshd honours it.
  let timedOut = false;
  let aborted = false;
  let remotePid: number | undefined;
  let killWanted = false;
  let giveUp: () => void = () => undefined;
  const gaveUp = new Promise<void>((resolve) => (giveUp = resolve));
  const timers: NodeJS.Timeout[] = [];
  const killGroup = () => {
    if (remotePid === undefined || exitCode !== undefined || exitSignal !== undefined) return;
    openExec(client, shellCommand(['kill', '-s', 'KILL', '--', `-${remotePid}`]))
      .then((ch) => {
        ch.on('error', () => undefined);
        ch.resume();
        ch.stderr.resume();
        ch.end();
      })
      .catch(() => undefined); // connection gone: nothing more can be done from here
  };
  function stop(why: 'timeout' | 'abort'): void {
    if (timedOut || aborted) return;
    if (why === 'timeout') timedOut = true;
    else aborted = true;
    killWanted = true;
    signalChannel(channel, 'KILL');
    killGroup();
    timers.push(setTimeout(() => channel.close(), KILL_GRACE_MS));
    timers.push(setTimeout(giveUp, 2 * KILL_GRACE_MS));
  }

  // A callback that throws fails this command after it ends, never the process (line-guard.ts).
  const guard = new LineGuard();
  const onStderrLine = guard.wrap(opts.onStderrLine);
  // stdout: to a writable, line by line, or captured (capped).
  let stdoutText: string | undefined;
  const captured = new CappedOutput();
  let sink: Promise<void> | undefined;
  let sinkError: unknown;
  if (opts.stdoutTo) {
    sink = pipeline(channel, opts.stdoutTo).catch((e: unknown) => {
      sinkError = e;
      stop('abort');
    });
  } else if (opts.onStdoutLine) {
    const split = lineSplitter(guard.wrap(opts.onStdoutLine)!);
    channel.on('data', (b: Buffer) => split.push(b));
    channel.once('end', () => split.end());
  } else {
    channel.on('data', (b: Buffer) => captured.push(b));
    channel.once('end', () => (stdoutText = captured.text()));
  }

  const stderr = new StderrCapture();
  const stderrTail = stderr.tail;
  const errSplit = lineSplitter((line) => {
    // Login noise (shell rc files, sshd debug) may come first; the command's own stderr only after.
    if (remotePid === undefined) {
      const m = PID_REPORT_PATTERN.exec(line);
      if (m) {
        remotePid = Number(m[1]);
        if (killWanted) killGroup();
        return;
      }
    }
    stderr.push(line);
    onStderrLine?.(line);
  });
  channel.stderr.on('data', (b: Buffer) => errSplit.push(b));

  const input = opts.input;
  if (input === undefined) channel.end();
  else if (typeof input === 'string' || Buffer.isBuffer(input)) channel.end(input);
  else {
    input.on('error', () => stop('abort'));
    input.pipe(channel);
  }

  if (opts.timeoutMs) timers.push(setTimeout(() => stop('timeout'), opts.timeoutMs));
  const onAbort = () => stop('abort');
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });

  try {
    await Promise.race([closed, gaveUp]);
    if (sink) await Promise.race([sink, gaveUp]);
  } finally {
    for (const t of timers) clearTimeout(t);
    opts.signal?.removeEventListener('abort', onAbort);
  }
  errSplit.end();
  const durationMs = Date.now() - started;

  if (sinkError !== undefined) {
    throw toolError(`writing the output of a command on ${where} failed: ${describeError(sinkError)}`, {
      exitCode,
      signal: exitSignal,
      timedOut,
      stderrTail,
    });
  }
  const result: SshExecResult = { command, exitCode, signal: exitSignal, timedOut, aborted, durationMs, stderrTail, stderrErrors: stderr.errors };
  if (exitCode === undefined && exitSignal === undefined) result.signal = timedOut || aborted ? 'SIGKILL' : 'CONNECTION_LOST';
  if (!opts.stdoutTo && !opts.onStdoutLine) {
    result.stdout = stdoutText ?? '';
    if (captured.truncated) result.stdoutTruncated = true;
  }
  const fields = { cmd: command, exitCode, signal: result.signal, timedOut, aborted, durationMs };
  // As for local commands (exec/run.ts): the log file has each one, the terminal only the failed ones.
  if (opts.quiet || exitCode === 0) logger?.debug(fields, 'remote command finished');
  else logger?.info(fields, 'remote command finished');
  guard.check(command, durationMs, stderrTail);
  return result;
}

/**
 * Opens an exec channel. `onOpen` runs inside ssh2's callback, before anything else: a fast
 * command's exit-status can arrive in the same packet as the exec's confirmation, and ssh2 emits
 * it synchronously right after the callback, before an awaiting caller could listen (the command
 * then looked like a lost connection: 3 of 300 fast commands on a fast sshd).
 */
function openExec(client: Client, remoteCommand: string, onOpen?: (ch: ClientChannel) => void): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    try {
      client.exec(remoteCommand, (err, ch) => {
        if (err) return reject(err);
        onOpen?.(ch);
        resolve(ch);
      });
    } catch (e) {
      reject(e); // ssh2 throws synchronously when the connection is already closed
    }
  });
}

/** Sends a signal request on the channel (sshd honours it only with privilege separation, not for root). */
function signalChannel(channel: ClientChannel, name: string): void {
  // ssh2's channel.signal() is a no-op once we sent EOF (stdin ended), the usual case; the
  // protocol still allows channel requests after EOF, so send it directly then.
  const ch = channel as unknown as {
    outgoing: { id: number; state: string };
    _client: { _protocol: { signal(id: number, name: string): void } };
  };
  try {
    if (ch.outgoing.state === 'open' || ch.outgoing.state === 'eof') ch._client._protocol.signal(ch.outgoing.id, name);
  } catch {
    // the connection is gone; the grace timers close and give up
  }
}

/** Splits a byte stream into UTF-8 lines (without line ends). */
function lineSplitter(onLine: (line: string) => void): { push(b: Buffer): void; end(): void } {
  let rest = '';
  const decoder = new TextDecoder('utf-8');
  return {
    push(b) {
      const parts = (rest + decoder.decode(b, { stream: true })).split('\n');
      rest = parts.pop()!;
      for (const line of parts) onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
    },
    end() {
      rest += decoder.decode();
      if (rest !== '') onLine(rest);
      rest = '';
    },
  };
}
