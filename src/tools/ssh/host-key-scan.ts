// The host key a server presents, read from the SSH handshake alone: nothing is authenticated and
// the connection is dropped as soon as the key is seen (like ssh-keyscan, but asking first for the
// key types already recorded for the host, as connectSsh does, so a changed key is compared like for like).
import type { SshConfig } from '../../config/types.js';
import { describeError } from '../../errors.js';
import { hostKeyAlgorithms, SshConnectError, type SshTarget } from './client.js';
import { knownKeyTypes, type KnownHostEntry } from './known-hosts.js';

/** The public key blob host:port presents; throws SshConnectError when the handshake never showed one. */
export async function scanHostKey(target: SshTarget, ssh: SshConfig, known: readonly KnownHostEntry[]): Promise<Buffer> {
  const where = `${target.address}:${target.port}`;
  const started = Date.now();
  const { Client } = await import('ssh2');
  const client = new Client();
  return new Promise<Buffer>((resolve, reject) => {
    let key: Buffer | undefined;
    const finish = (err?: unknown) => {
      client.end();
      if (key) return resolve(key);
      const details = { command: `ssh ${where}`, timedOut: false, durationMs: Date.now() - started, stderrTail: [] };
      reject(new SshConnectError(`cannot read the host key of ${where}: ${err ? describeError(err) : 'the server closed the connection'}`, details));
    };
    // Not once: after a handshake timeout ssh2 errs again when the socket closes; unheard, that crashes.
    client.on('error', finish);
    client.once('close', () => finish());
    try {
      client.connect({
        host: target.address,
        port: target.port,
        username: target.user,
        readyTimeout: ssh.connectTimeoutSeconds * 1000,
        algorithms: { serverHostKey: hostKeyAlgorithms(knownKeyTypes(known, target.address, target.port)) as never },
        // Refusing every key ends the handshake here: no authentication is attempted.
        hostVerifier: (blob: Buffer) => {
          key = blob;
          return false;
        },
      });
    } catch (e) {
      finish(e);
    }
  });
}
