// An SshSession over the night's OpenSSH master (mux.ts): each command is an `ssh` client attached
// to the master's control socket, so it costs no login, no key exchange and no ssh2 in this process.
// Same contract as ssh2's sessions (client.ts): argv quoted by quote.ts, the remote PID reported
// first, and a timeout or abort that kills the remote process group, not only the local client.
import type { Logger } from 'pino';
import type { HostConfig, SshConfig } from '../../config/types.js';
import { ToolError } from '../../errors.js';
import { runCommand } from '../../exec/run.js';
import type { SshExecOptions, SshExecResult, SshSession } from './client.js';
import { muxClientOptions } from './mux.js';
import { buildSshArgv } from './options.js';
import { PID_REPORT_PATTERN, shellCommand, shellCommandReportingPid } from './quote.js';

/** What a command over the master runs: ssh, attached to `controlPath`, running `remote` on the host. */
export function buildMuxExecArgv(ssh: SshConfig, host: Pick<HostConfig, 'port' | 'user' | 'address'>, controlPath: string, remote: string): string[] {
  return [...buildSshArgv(ssh, host), ...muxClientOptions(controlPath), '--', host.address, remote];
}

/**
 * A session whose commands run over the master at `controlPath`. Captured stdout, lines and string
 * input are supported; a stream as input or stdout (a dump) is not: those use an ssh2 session.
 */
export function muxSession(ssh: SshConfig, host: Pick<HostConfig, 'port' | 'user' | 'address' | 'name'>, controlPath: string, logger?: Logger): SshSession {
  const target = { address: host.address, port: host.port, user: host.user, name: host.name };
  const run = (remote: string, opts: Parameters<typeof runCommand>[2]) => {
    const [program, ...args] = buildMuxExecArgv(ssh, host, controlPath, remote);
    return runCommand(program!, args, { logger, ...opts });
  };
  return {
    target,
    async exec(argv: readonly string[], opts: SshExecOptions = {}): Promise<SshExecResult> {
      if (opts.stdoutTo || (opts.input !== undefined && typeof opts.input !== 'string' && !Buffer.isBuffer(opts.input))) {
        throw new ToolError('streamed input or output is not run over the shared connection', { command: argv.join(' '), timedOut: false, durationMs: 0, stderrTail: [] });
      }
      let remotePid: number | undefined;
      let killWanted = false;
      const killRemote = () => {
        if (remotePid === undefined) return;
        void run(shellCommand(['kill', '-s', 'KILL', '--', `-${remotePid}`]), { quiet: true, timeoutMs: 10_000 }).catch(() => undefined);
      };
      // The local client is stopped by runCommand; the remote command would run on until its output
      // pipe breaks (a long hash would finish first), so its process group is killed as well.
      const stop = new AbortController();
      const onStop = () => {
        killWanted = true;
        killRemote();
        stop.abort();
      };
      const timer = opts.timeoutMs ? setTimeout(onStop, opts.timeoutMs) : undefined;
      if (opts.signal?.aborted) onStop();
      else opts.signal?.addEventListener('abort', onStop, { once: true });
      try {
        const r = await run(shellCommandReportingPid(argv), {
          quiet: opts.quiet,
          secrets: opts.secrets,
          input: opts.input as string | Buffer | undefined,
          signal: stop.signal,
          onStdoutLine: opts.onStdoutLine,
          captureStdout: !opts.onStdoutLine,
          mapStderrLine: (line) => {
            if (remotePid === undefined) {
              const m = PID_REPORT_PATTERN.exec(line);
              if (m) {
                remotePid = Number(m[1]);
                if (killWanted) killRemote();
                return undefined;
              }
            }
            return line;
          },
          onStderrLine: opts.onStderrLine,
        });
        const timedOut = killWanted && !opts.signal?.aborted;
        return { ...r, timedOut, aborted: killWanted && !timedOut };
      } finally {
        if (timer) clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onStop);
      }
    },
    close: () => undefined,
  };
}
