// A real OpenSSH sshd per test, on its own 127.0.0.x address and high port.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync, readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { registerCleanup, registerPid } from './cleanup.js';
import { clientKey, generateKey } from './ssh-keys.js';
import { makeTempDir } from './tmp.js';

export interface SshdOptions {
  /** Extra public keys allowed to log in besides the shared client key. */
  authorizedKeys?: string[];
  /** Extra sshd_config lines. */
  extraConfig?: string[];
  /** sshd LogLevel (default ERROR; VERBOSE helps when debugging). */
  logLevel?: string;
}

export interface SshdServer {
  readonly address: string;
  readonly port: number;
  readonly user: string;
  readonly hostPublicKey: string;
  /** `[addr]:port ssh-ed25519 AAAA...` */
  readonly knownHostsLine: string;
  /** The server's temp dir (sshd_config, host key, authorized_keys). */
  readonly dir: string;
  /** Everything sshd printed on stderr so far. */
  readonly log: string;
  readonly running: boolean;
  /** The listening sshd's process id (its children serve the connections). */
  readonly pid: number | undefined;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

class Sshd implements SshdServer {
  user = userInfo().username;
  hostPublicKey = '';
  log = '';
  private child: ChildProcess | undefined;
  private forget: (() => void) | undefined;

  constructor(
    readonly dir: string,
    public address: string,
    public port: number,
    private readonly opts: SshdOptions,
  ) {}

  get hostKeyPath(): string {
    return join(this.dir, 'ssh_host_ed25519_key');
  }

  get knownHostsLine(): string {
    const [type, key] = this.hostPublicKey.split(/\s+/);
    return `[${this.address}]:${this.port} ${type} ${key}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async writeConfig(): Promise<string> {
    const client = await clientKey();
    const authorized = [client.publicKey, ...(this.opts.authorizedKeys ?? [])];
    writeFileSync(join(this.dir, 'authorized_keys'), authorized.join('\n') + '\n', { mode: 0o600 });
    this.hostPublicKey = readFileSync(`${this.hostKeyPath}.pub`, 'utf8').trim();
    const extra = this.opts.extraConfig ?? [];
    const lines = [
      `ListenAddress ${this.address}:${this.port}`,
      `HostKey ${this.hostKeyPath}`,
      `AuthorizedKeysFile ${join(this.dir, 'authorized_keys')}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      `AllowUsers ${this.user}`,
      `PidFile ${join(this.dir, 'sshd.pid')}`,
      `LogLevel ${this.opts.logLevel ?? 'ERROR'}`,
      'MaxStartups 64:30:128',
      'MaxSessions 64',
      'UseDNS no',
      'Subsystem sftp internal-sftp',
      // sshd runs every command as `$SHELL -c ...`, and bash then sources ~/.bashrc when it sees
      // SSH_CLIENT and SHLVL < 2. On these machines root's .bashrc runs `pyenv init` (a rehash that
      // takes a lock): 3-4 s per remote command under load, serialised across tests. A main server
      // played by the harness is a plain server: with SHLVL=1 from sshd, bash skips .bashrc.
      // sshd takes only the first SetEnv line, so a test's own variables join this one.
      ['SetEnv', 'SHLVL=1', ...extra.filter(isSetEnv).map((l) => l.replace(/^\s*SetEnv\s+/i, ''))].join(' '),
      ...extra.filter((l) => !isSetEnv(l)),
    ];
    const path = join(this.dir, 'sshd_config');
    writeFileSync(path, lines.join('\n') + '\n');
    return path;
  }

  async start(): Promise<void> {
    const configPath = await this.writeConfig();
    const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    this.forget = registerPid(child.pid!);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      this.log += d;
    });
    await waitForBanner(this.address, this.port, child, () => this.log);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    this.forget?.();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

/** Starts a real sshd on a random 127.0.0.x (2..250) and a free high port; stopped after the test file. */
export async function startSshd(opts: SshdOptions = {}): Promise<SshdServer> {
  const dir = makeTempDir('pullback-sshd-');
  await generateKey(join(dir, 'ssh_host_ed25519_key'), 'pullback-test-host');
  let lastError: unknown;
  for (let attempt = 0; attempt < 8; attempt++) {
    const address = randomLoopback();
    const port = await freePort(address);
    const server = new Sshd(dir, address, port, opts);
    try {
      await server.start();
      registerCleanup(() => server.stop());
      return server;
    } catch (err) {
      lastError = err;
      await server.stop();
    }
  }
  throw new Error(`could not start sshd: ${String(lastError)}`);
}

/** Gives the server a new host key and restarts it; known_hosts written before no longer match. */
export async function regenerateHostKey(server: SshdServer): Promise<void> {
  const s = server as Sshd;
  await generateKey(s.hostKeyPath, 'pullback-test-host-new');
  if (s.running) await s.restart();
  else await s.writeConfig();
}

function randomLoopback(): string {
  let x = 2 + Math.floor(Math.random() * 249);
  if (x === 53 || x === 77) x += 1; // 127.0.0.53 is the stub resolver on some systems, .77 the quickstart demo
  return `127.0.0.${x}`;
}

/** A port free on `address` right now (the kernel picks it from the ephemeral range). */
export function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, address, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForBanner(address: string, port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`sshd exited (${child.exitCode ?? child.signalCode}): ${log().trim()}`);
    }
    if (await readsBanner(address, port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd on ${address}:${port} did not answer: ${log().trim()}`);
}

function readsBanner(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: address, port });
    let buf = '';
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(2000, () => done(false));
    sock.on('error', () => done(false));
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      if (buf.includes('SSH-2.0-')) done(true);
    });
    sock.on('close', () => done(buf.includes('SSH-2.0-')));
  });
}

function isSetEnv(line: string): boolean {
  return /^\s*SetEnv\s/i.test(line);
}
