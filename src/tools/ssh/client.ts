// SSH sessions with ssh2: host keys checked against our known_hosts (unknown or changed keys are
// refused, never learned), key authentication from the configured identity file, keepalives, and
// `exec` of argv (quoted by shellCommand) with timeout, abort, streamed output and stdin input.
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Duplex } from 'node:stream';
import type { ConnectConfig } from 'ssh2';
import { limiter } from '../../util/pool.js';
import type { SshConfig } from '../../config/types.js';
import { describeError, JobError, ToolError } from '../../errors.js';
import { execOnClient, type SshExecOptions, type SshExecResult } from './exec-channel.js';
import { changedKeyAdvice, unknownHostAdvice } from './host-key-text.js';
import { describeKey, knownKeyTypes, loadKnownHosts, recordedKeys, verifyHostKey, type HostKeyVerdict, type KnownHostEntry } from './known-hosts.js';

export type { SshExecOptions, SshExecResult } from './exec-channel.js';

const KEEPALIVE_MS = 15_000;
const KEEPALIVE_COUNT = 4;

export interface SshTarget {
  address: string;
  port: number;
  user: string;
  /** The host's name in the config, for advice that names a command (`pullback hosts trust NAME`). */
  name?: string;
}

/** Why a server or pullback refused the connection: no retry can help, unlike a network failure. */
export type SshRefusal = 'host-key' | 'login' | 'identity';

/** A connection that could not be opened; `refused` is set when retrying cannot help. */
export class SshConnectError extends ToolError {
  readonly refused?: SshRefusal;
  constructor(message: string, details: ToolError['details'], refused?: SshRefusal) {
    super(message, details);
    this.refused = refused;
  }
}

export interface SshSession {
  readonly target: SshTarget;
  /** Runs argv remotely; resolves whatever the exit code; throws ToolError if the channel cannot be opened. */
  exec(argv: readonly string[], opts?: SshExecOptions): Promise<SshExecResult>;
  /** A TCP connection to `host:port` as seen from the server (direct-tcpip); throws when the server refuses it. ssh2 sessions only. */
  forwardOut?(host: string, port: number): Promise<Duplex>;
  /** Settles when the connection is gone (closed by either side). ssh2 sessions only. */
  closed?: Promise<void>;
  close(): void;
}

/** Opens an authenticated session; throws ToolError on unknown/changed host keys, auth or network failure. */
export async function connectSsh(
  target: SshTarget,
  ssh: SshConfig,
  opts: { signal?: AbortSignal; logger?: Logger } = {},
): Promise<SshSession> {
  const where = `${target.user}@${target.address}:${target.port}`;
  const started = Date.now();
  const fail = (message: string, refused?: SshRefusal) =>
    new SshConnectError(
      message,
      {
        command: `ssh ${where}`,
        timedOut: false,
        durationMs: Date.now() - started,
        stderrTail: [],
      },
      refused,
    );

  let privateKey: Buffer;
  try {
    privateKey = readFileSync(ssh.identityFile);
  } catch (e) {
    // Nothing was sent to the server: no hint about authorized_keys, the file itself is the problem.
    const code = (e as NodeJS.ErrnoException).code;
    throw fail(code === 'ENOENT' ? `SSH identity file ${ssh.identityFile} does not exist` : `cannot read SSH identity file ${ssh.identityFile}: ${describeError(e)}`, 'identity');
  }
  let known;
  try {
    known = loadKnownHosts(ssh.knownHosts);
  } catch (e) {
    throw fail(`cannot read known_hosts ${ssh.knownHosts}: ${describeError(e)}`);
  }

  let verdict: HostKeyVerdict | undefined;
  let presented: Buffer | undefined;
  const config: ConnectConfig = {
    host: target.address,
    port: target.port,
    username: target.user,
    privateKey,
    readyTimeout: ssh.connectTimeoutSeconds * 1000,
    keepaliveInterval: KEEPALIVE_MS,
    keepaliveCountMax: KEEPALIVE_COUNT,
    hostVerifier: (key: Buffer) => {
      presented = key;
      verdict = verifyHostKey(known, target.address, target.port, key);
      return verdict.ok;
    },
  };
  // Like OpenSSH, ask first for the key types we already know for this host, so a server with
  // several host keys presents one we can check rather than one we have never seen (a server
  // with none of them left presents another, which is then refused as a changed key).
  config.algorithms = { serverHostKey: hostKeyAlgorithms(knownKeyTypes(known, target.address, target.port)) as never };

  // Loaded on the first connection, not with the CLI: most commands never open one, and a nightly
  // run loads it while OpenSSH's own login is under way.
  const { Client } = await import('ssh2');
  const client = new Client();
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      client.end();
      reject(fail(`ssh to ${where} was interrupted`));
    };
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    // Not `once`: after a handshake timeout ssh2 emits a second error when the stalled server's
    // socket finally closes ('Connection lost before handshake'), and an error without a listener
    // would crash the whole run. The first one decides; the client is ended so the socket closes.
    const onError = (err: Error & { level?: string }) => {
      opts.signal?.removeEventListener('abort', onAbort);
      client.end();
      if (verdict && !verdict.ok) reject(fail(hostKeyMessage(verdict.reason, target, ssh.knownHosts, known, presented), 'host-key'));
      else reject(fail(`ssh to ${where} failed: ${describeConnectError(err)}`, err.level === 'client-authentication' ? 'login' : undefined));
    };
    // A server that closes the connection after its banner but before the login ends (an sshd
    // killed or restarted mid-handshake, a connection dropped by MaxStartups or LoginGraceTime)
    // makes ssh2 clear its ready timer and emit only 'close', no error: without this the
    // connection was awaited forever (a night hung in its dump after the server stalled).
    const onClose = () => onError(Object.assign(new Error('the server closed the connection during the SSH handshake'), { level: 'client-socket' }));
    client.once('ready', () => {
      opts.signal?.removeEventListener('abort', onAbort);
      client.off('error', onError);
      client.off('close', onClose);
      resolve();
    });
    client.on('error', onError);
    client.once('close', onClose);
    try {
      client.connect(config);
    } catch (e) {
      reject(fail(`ssh to ${where} failed: ${describeError(e)}`)); // e.g. an unparsable private key
    }
  });
  // Errors after the handshake (connection lost) surface as closed channels in exec; never crash.
  client.on('error', (err: Error) => opts.logger?.warn({ host: where, err: err.message }, 'ssh connection error'));
  opts.logger?.debug({ host: where, durationMs: Date.now() - started }, 'ssh connected');

  // A few channels at once, never more: sshd refuses sessions past its MaxSessions (10 by default,
  // 4 on servers hardened by common benchmarks), and a refused channel would fail the command.
  const channel = limiter(SESSION_CHANNELS);
  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  return {
    target,
    exec: (argv, execOpts = {}) => channel(() => execOnClient(client, where, argv, execOpts, opts.logger)),
    forwardOut: (host, port) =>
      new Promise<Duplex>((resolve, reject) => {
        client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => (err ? reject(new Error(`ssh to ${where}: forwarding to ${host}:${port} refused: ${err.message}`)) : resolve(stream)));
      }),
    closed,
    close: () => client.end(),
  };
}

/**
 * connectSsh, tried again once after `delayMs` when the connection failed for a reason a retry can
 * help (a network failure, a server that stalled or dropped the handshake), never after a refusal
 * (host key, login, identity) or an interruption. For a night's dumps: a server that stalls for a
 * few seconds must not cost the night its database (the pulls retry in rsync's own way).
 */
export async function connectSshRetrying(
  target: SshTarget,
  ssh: SshConfig,
  opts: { signal?: AbortSignal; logger?: Logger; delayMs?: number } = {},
): Promise<SshSession> {
  try {
    return await connectSsh(target, ssh, opts);
  } catch (e) {
    if (!(e instanceof SshConnectError) || e.refused || opts.signal?.aborted) throw e;
    opts.logger?.warn({ host: `${target.user}@${target.address}:${target.port}`, err: e.message }, 'ssh connection failed; trying once more');
    await new Promise((resolve) => setTimeout(resolve, opts.delayMs ?? 5_000));
    if (opts.signal?.aborted) throw e;
    return connectSsh(target, ssh, opts);
  }
}

/**
 * `session` whose every command obeys `signal`: once it fired none starts (JobError), and one
 * running when it fires is killed by its process group. For work that must stop at a signal with
 * no cleanup on the server (a night's dumps), not for a restore, whose start_writes must still run.
 */
export function interruptibleSession(session: SshSession, signal: AbortSignal | undefined): SshSession {
  if (!signal) return session;
  return {
    target: session.target,
    exec: (argv, execOpts = {}) => {
      if (signal.aborted) return Promise.reject(new JobError(`interrupted: ${argv[0] ?? 'a command'} not started on ${session.target.address}`));
      return session.exec(argv, { ...execOpts, signal: execOpts.signal ?? signal });
    },
    close: () => session.close(),
  };
}

/** Channels one session runs at once (below sshd's MaxSessions, default 10, 4 on hardened servers). */
export const SESSION_CHANNELS = 3;

function hostKeyMessage(reason: 'unknown-host' | 'mismatch' | 'revoked', t: SshTarget, file: string, known: readonly KnownHostEntry[], key: Buffer | undefined): string {
  const hp = `${t.address}:${t.port}`;
  if (reason === 'unknown-host') return `ssh to ${hp} refused: host not in known_hosts (${file}); ${unknownHostAdvice(t.name)}`;
  if (reason === 'revoked') return `ssh to ${hp} refused: host key${key ? ` ${describeKey(key)}` : ''} is revoked in known_hosts (${file})`;
  const advice = changedKeyAdvice({ name: t.name, recorded: recordedKeys(known, t.address, t.port), presented: key && describeKey(key) });
  return `ssh to ${hp} refused: host key changed (does not match known_hosts ${file}): ${advice}`;
}

function describeConnectError(err: Error & { level?: string }): string {
  if (err.level === 'client-authentication') return 'authentication failed (key not accepted)';
  if (err.level === 'client-timeout') return 'timed out during connection handshake';
  return err.message;
}

/** ssh2's default host key algorithms, in its order (Node 20 supports ed25519). */
const DEFAULT_HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/** Host key algorithms with those of the known key types first (an ssh-rsa key may sign with sha2). */
export function hostKeyAlgorithms(knownTypes: string[]): string[] {
  const preferred = knownTypes
    .flatMap((t) => (t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t]))
    .filter((a) => DEFAULT_HOST_KEY_ALGORITHMS.includes(a));
  return [...new Set([...preferred, ...DEFAULT_HOST_KEY_ALGORITHMS])];
}
