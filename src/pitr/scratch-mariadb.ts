// A scratch MariaDB server on the backup host for `restore --at` of a MariaDB source: a fresh data
// directory (mariadb-install-db) under the system's temporary folder, mariadbd on a socket in it
// and no TCP listener (--skip-networking), no grant tables (only this process reaches the 0700
// folder), no binary log of its own. The night's dump is loaded into it, the received binary logs
// replayed from the dump's position up to the target, and the result dumped; then it is stopped
// and deleted. Replaying into a server of its own (rather than the live one under another name)
// leaves the logged events' own database names alone: no --rewrite-db, nothing on the main server
// until the ordinary restore swaps the result in.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { JobError } from '../errors.js';
import { runCommand, toolErrorFrom } from '../exec/run.js';
import { claimScratch, orphanedScratch } from './scratch-owner.js';

export interface ScratchMariadb {
  dir: string;
  socket: string;
  /** Stops the server (SIGTERM, its clean shutdown) and deletes its folder; never throws. */
  remove(): Promise<void>;
}

const PREFIX = 'pullback-binlog-';
/** The connection options of a client of the scratch server (its socket, no option files read). */
export function scratchClientArgs(s: Pick<ScratchMariadb, 'socket'>): string[] {
  return ['--no-defaults', `--socket=${s.socket}`, '--user=root'];
}

/** Creates and starts a scratch server; throws JobError (naming its error log) when it does not come up within `timeoutMs`. */
export async function startScratchMariadb(logger: Logger, timeoutMs: number, signal?: AbortSignal): Promise<ScratchMariadb> {
  const dir = mkdtempSync(join(tmpdir(), PREFIX));
  claimScratch(dir, 0o600);
  const data = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const errorLog = join(dir, 'error.log');
  // mariadbd refuses to run as root unless told so; the folder is this user's and 0700 either way.
  const asUser = userInfo().uid === 0 ? ['--user=root'] : [];
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  let server: ReturnType<typeof runCommand> | undefined;
  const scratch: ScratchMariadb = {
    dir,
    socket,
    remove: async () => {
      stop.abort();
      await server?.catch(() => undefined);
      signal?.removeEventListener('abort', onAbort);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    const init = await runCommand('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, '--skip-test-db', '--auth-root-authentication-method=normal', ...asUser], { logger, timeoutMs, signal, quiet: true });
    if (init.exitCode !== 0) throw toolErrorFrom(init, 'mariadb-install-db of the scratch server failed');
    server = runCommand(
      'mariadbd',
      ['--no-defaults', `--datadir=${data}`, `--socket=${socket}`, '--skip-networking', '--skip-grant-tables', `--pid-file=${join(dir, 'mariadbd.pid')}`, `--log-error=${errorLog}`, ...asUser],
      { logger, signal: stop.signal, killGraceMs: 60_000 },
    );
    let exited = false;
    void server.finally(() => (exited = true));
    const end = Date.now() + timeoutMs;
    for (;;) {
      const r = await runCommand('mariadb', [...scratchClientArgs(scratch), '--batch', '-e', 'SELECT 1'], { logger, quiet: true, timeoutMs: 30_000, signal });
      if (r.exitCode === 0) break;
      if (exited) throw new JobError(`the scratch MariaDB server stopped: ${logTail(errorLog)}`);
      if (Date.now() > end) throw new JobError(`the scratch MariaDB server did not start within ${Math.round(timeoutMs / 1000)} s: ${logTail(errorLog)}`);
      if (signal?.aborted) throw new JobError('interrupted');
      await new Promise((res) => setTimeout(res, 250));
    }
    logger.info({ dir }, 'scratch MariaDB server started');
    return scratch;
  } catch (e) {
    await scratch.remove();
    throw e;
  }
}

function logTail(file: string): string {
  try {
    const lines = readFileSync(file, 'utf8').trim().split('\n').filter((l) => /ERROR|Aborting/.test(l));
    return lines.slice(-4).join(' | ') || 'its error log says nothing';
  } catch {
    return 'no error log written';
  }
}

/**
 * Scratch servers of `restore --at` processes that are gone (killed): each still running is killed
 * (its pid file), its folder removed. Returns what it removed; never throws.
 */
export function sweepScratchMariadb(logger: Logger): string[] {
  const removed: string[] = [];
  for (const { dir, owner } of orphanedScratch(PREFIX)) {
    try {
      const pidFile = join(dir, 'mariadbd.pid');
      if (existsSync(pidFile)) {
        try {
          process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      rmSync(dir, { recursive: true, force: true });
      removed.push(`${dir} (restore --at of process ${owner.pid})`);
    } catch {
      // left for the next sweep
    }
  }
  if (removed.length) logger.warn({ removed }, `removed what killed point-in-time restores left: ${removed.join(', ')}`);
  return removed;
}

