// A restore's logins to its target, with the restore key: the ssh2 session for remote commands and the
// OpenSSH master its rsyncs attach to, begun as soon as the host's lock is held.
import type { Logger } from 'pino';
import type { GlobalConfig, HostConfig } from '../config/types.js';
import { describeError } from '../errors.js';
import { connectSsh, type SshSession } from '../tools/ssh/client.js';
import { openSshMux, type SshMux } from '../tools/ssh/mux.js';
import { sshForRole } from '../tools/ssh/options.js';

/** The restore's logins to its target, begun beside the plan's reads of the archive. */
export interface Login {
  /** The ssh2 session, or why the login failed. */
  session: Promise<{ session: SshSession } | { loginError: string }>;
  /** The OpenSSH master every rsync of the restore attaches to (undefined: each logs in itself). */
  mux: Promise<SshMux | undefined>;
  close(): Promise<void>;
}

/**
 * Logs in to `target` twice at once: the ssh2 session (remote commands) and one OpenSSH master for
 * every rsync of the restore (listings, snapshot, pushes, checks: each was a key exchange and an
 * authentication of its own). Begun before the archive is read: the logins wait on the network and
 * the target, the plan's reads on borg. Never rejects.
 */
export function beginLogin(global: GlobalConfig, target: HostConfig, logger: Logger, signal: AbortSignal): Login {
  const restoreSsh = sshForRole(global.ssh, target, 'restore');
  const mux = openSshMux(restoreSsh, target, { logger, signal, readyTimeoutMs: global.ssh.connectTimeoutSeconds * 1000 });
  const session = connectSsh(target, restoreSsh, { signal, logger }).then(
    (s) => ({ session: s }),
    (e: unknown) => ({ loginError: describeError(e) }),
  );
  return {
    session,
    mux,
    close: async () => {
      const s = await session;
      if ('session' in s) s.session.close();
      await (await mux)?.close();
    },
  };
}
