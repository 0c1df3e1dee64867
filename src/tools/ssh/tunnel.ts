// A local unix socket that reaches a port on the main server through an ssh2 session (direct-tcpip,
// like `ssh -L socket:host:port`): PostgreSQL's client tools on the backup host connect to it as to
// a local server (`-h <dir> -p <port>`), and nothing is opened to the network on either side.
import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { SshSession } from './client.js';

/** Longest unix socket path Linux accepts (sun_path is 108 bytes, NUL included). */
const SUN_PATH_MAX = 107;

export interface SocketTunnel {
  /** The directory holding the socket (a libpq `host`). */
  dir: string;
  /** The socket's port number, as libpq names the file (`.s.PGSQL.<port>`). */
  port: number;
  /** Connections that could not be forwarded so far, with why (the last few). */
  errors: string[];
  close(): Promise<void>;
}

/** libpq's socket file name in `dir` for `port`. */
export function pgSocketPath(dir: string, port: number): string {
  return join(dir, `.s.PGSQL.${port}`);
}

/**
 * Listens on `<dir>/.s.PGSQL.<port>` (mode 0600; `dir` must be private) and forwards each connection
 * to `remote` through `session`. Throws when the path is too long or cannot be listened on, or the
 * session cannot forward (an OpenSSH-multiplexed session).
 */
export async function openSocketTunnel(session: SshSession, dir: string, remote: { host: string; port: number }, logger?: Logger): Promise<SocketTunnel> {
  const forwardOut = session.forwardOut;
  if (!forwardOut) throw new Error('this SSH session cannot forward connections');
  const path = pgSocketPath(dir, remote.port);
  if (Buffer.byteLength(path) > SUN_PATH_MAX) throw new Error(`socket path ${path} is longer than ${SUN_PATH_MAX} bytes: use a shorter state_dir`);
  rmSync(path, { force: true }); // a socket left by a killed run
  const errors: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((local) => {
    sockets.add(local);
    local.once('close', () => sockets.delete(local));
    local.pause();
    forwardOut.call(session, remote.host, remote.port).then(
      (stream) => {
        local.pipe(stream).pipe(local);
        local.resume();
        const end = () => {
          local.destroy();
          stream.destroy();
        };
        stream.once('close', end);
        stream.once('error', end);
        local.once('error', end);
        local.once('close', end);
      },
      (e: unknown) => {
        errors.push(String((e as Error).message ?? e));
        if (errors.length > 5) errors.shift();
        logger?.warn({ tunnel: path, err: String(e) }, 'tunnel connection refused');
        local.destroy();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(path, 0o600);
  return {
    dir,
    port: remote.port,
    errors,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
