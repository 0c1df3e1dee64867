// The way pg_receivewal and pg_basebackup reach a main server's PostgreSQL: one ssh2 session to the
// host (its wal key, which may do nothing else) and a local unix socket forwarded through it to the
// connection's host and port as seen from the server. Nothing is opened to the network.
import { mkdirSync } from 'node:fs';
import type { Logger } from 'pino';
import type { GlobalConfig, HostConfig, SourceConfig } from '../config/types.js';
import type { WalConnection } from '../engines/postgres-wal.js';
import { connectSsh, type SshSession } from '../tools/ssh/client.js';
import { sshForRole } from '../tools/ssh/options.js';
import { openSocketTunnel, type SocketTunnel } from '../tools/ssh/tunnel.js';
import { ensurePrivateDir } from '../util/private.js';

export interface PitrLink {
  session: SshSession;
  tunnel: SocketTunnel;
  /** What the PostgreSQL tools are given (the local socket, the replication login). */
  conn: WalConnection;
  /** Settles when the SSH connection is gone. */
  closed: Promise<void>;
  close(): Promise<void>;
}

/** Logs in to `host` and opens the source's socket tunnel in `socketDir`; throws ToolError (login) or Error (forwarding). */
export async function openPitrLink(global: GlobalConfig, host: HostConfig, source: SourceConfig, socketDir: string, opts: { logger?: Logger; signal?: AbortSignal } = {}): Promise<PitrLink> {
  const pitr = source.pitr!;
  mkdirSync(socketDir, { recursive: true });
  ensurePrivateDir(socketDir);
  const session = await connectSsh({ address: host.address, port: host.port, user: host.user, name: host.name }, sshForRole(global.ssh, host, 'wal'), opts);
  let tunnel: SocketTunnel;
  try {
    tunnel = await openSocketTunnel(session, socketDir, { host: pitr.connection.host, port: pitr.connection.port }, opts.logger);
  } catch (e) {
    session.close();
    throw e;
  }
  const conn: WalConnection = { socketDir, port: pitr.connection.port, user: pitr.connection.user, ...(pitr.connection.passwordFile ? { passwordFile: pitr.connection.passwordFile } : {}) };
  return {
    session,
    tunnel,
    conn,
    closed: session.closed ?? new Promise<void>(() => undefined),
    close: async () => {
      await tunnel.close();
      session.close();
    },
  };
}
