// One authenticated SSH connection per host and night, shared by every rsync of that night: an
// OpenSSH master (`ssh -M -N`) started as pullback's own child, and clients that attach to it by
// its control socket. Each source costs a probe and a pull; without the master each is a full login
// (key exchange and authentication: 0.1 s on a quiet machine, over a second on a busy one, and a
// line in the server's auth log every time). The master is a child like any other: it dies with
// pullback (death signal, process group), so a SIGKILL leaves no ssh behind. When it cannot be
// started, or dies, clients log in directly as before, with their own diagnostics.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { HostConfig, SshConfig } from '../../config/types.js';
import { runCommand, type RunResult } from '../../exec/run.js';
import { buildSshArgv, sshConfigValue } from './options.js';

/** A Unix socket path must fit sun_path (108 bytes on Linux), with room for ssh's temporary suffix. */
const MAX_SOCKET_PATH = 80;

/** ssh options that make a client use the master at `controlPath` (and never become one itself). */
export function muxClientOptions(controlPath: string): string[] {
  return ['-o', 'ControlMaster=no', '-o', `ControlPath=${sshConfigValue(controlPath)}`];
}

/** The master's argv: authenticate once, run nothing, serve clients on `controlPath` until stopped. */
export function buildMuxMasterArgv(ssh: SshConfig, host: Pick<HostConfig, 'port' | 'user' | 'address'>, controlPath: string): string[] {
  return [
    ...buildSshArgv(ssh, host),
    '-M', '-N',
    '-o', `ControlPath=${sshConfigValue(controlPath)}`,
    // The master lives exactly as long as this process runs it: never forked into the background.
    '-o', 'ControlPersist=no',
    '--', host.address,
  ];
}

export interface SshMux {
  /** The control socket while the master is up; undefined once it has ended (clients then log in themselves). */
  controlPath(): string | undefined;
  /** Stops the master and removes its socket directory; idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a master for `host` with `ssh` settings and waits until it accepts clients (at most
 * `readyTimeoutMs`). Resolves undefined when it could not be started in time; never throws.
 */
export async function openSshMux(
  ssh: SshConfig,
  host: Pick<HostConfig, 'port' | 'user' | 'address'>,
  opts: { logger?: Logger; signal?: AbortSignal; readyTimeoutMs: number },
): Promise<SshMux | undefined> {
  let dir: string;
  try {
    dir = mkdtempSync(join(tmpdir(), 'pb-mux-'));
  } catch {
    return undefined;
  }
  const socket = join(dir, 'm');
  if (socket.length > MAX_SOCKET_PATH) {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  const stop = new AbortController();
  const onOuter = () => stop.abort();
  opts.signal?.addEventListener('abort', onOuter, { once: true });
  const [program, ...args] = buildMuxMasterArgv(ssh, host, socket);
  let ended = false;
  const done: Promise<RunResult | undefined> = runCommand(program!, args, { signal: stop.signal, quiet: true, logger: opts.logger, killGraceMs: 2000 })
    .catch(() => undefined)
    .finally(() => {
      ended = true;
    });
  const close = async () => {
    stop.abort();
    await done;
    opts.signal?.removeEventListener('abort', onOuter);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + opts.readyTimeoutMs;
  while (!existsSync(socket)) {
    if (ended || Date.now() > deadline || stop.signal.aborted) {
      await close();
      const r = await done;
      opts.logger?.debug({ exitCode: r?.exitCode, stderr: r?.stderrTail }, 'no shared SSH connection: each rsync logs in itself');
      return undefined;
    }
    await sleep(20);
  }
  return {
    controlPath: () => (ended || !existsSync(socket) ? undefined : socket),
    close,
  };
}
