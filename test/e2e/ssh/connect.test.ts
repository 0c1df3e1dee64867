// Host key verification and connection failures of connectSsh against a real sshd.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SshConfig } from '../../../src/config/types.js';
import { ToolError } from '../../../src/errors.js';
import { connectSsh, connectSshRetrying, SshConnectError } from '../../../src/tools/ssh/client.js';
import {
  clientKey, freePort, generateKey, makeTempDir, regenerateHostKey, startSshd, writeKnownHosts,
} from '../../harness/index.js';

async function config(knownHosts: string): Promise<SshConfig> {
  return { identityFile: (await clientKey()).privateKeyPath, knownHosts, connectTimeoutSeconds: 10 };
}

async function refusal(p: Promise<unknown>): Promise<ToolError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ToolError);
  return e as ToolError;
}

describe('connectSsh', () => {
  it('refuses a host whose key changed', async () => {
    const server = await startSshd();
    const kh = join(makeTempDir('kh'), 'known_hosts');
    writeKnownHosts(kh, [server]);
    const ok = await connectSsh(server, await config(kh));
    ok.close();
    await regenerateHostKey(server);
    const e = await refusal(connectSsh(server, await config(kh)));
    expect(e.message).toContain(`${server.address}:${server.port}`);
    expect(e.message).toContain('host key changed');
  });

  it('refuses a host that is not in known_hosts, and with no known_hosts file', async () => {
    const server = await startSshd();
    const other = await startSshd();
    const dir = makeTempDir('kh');
    const kh = join(dir, 'known_hosts');
    writeKnownHosts(kh, [other]);
    const e = await refusal(connectSsh(server, await config(kh)));
    expect(e.message).toContain(`${server.address}:${server.port}`);
    expect(e.message).toContain('host not in known_hosts');
    const missing = await refusal(connectSsh(server, await config(join(dir, 'absent'))));
    expect(missing.message).toContain('host not in known_hosts');
  });

  it('finds the host under a plain name only on port 22, so a port-less line does not vouch for another port', async () => {
    const server = await startSshd();
    const kh = join(makeTempDir('kh'), 'known_hosts');
    const [, type, key] = server.knownHostsLine.split(' ');
    writeFileSync(kh, `${server.address} ${type} ${key}\n`);
    const e = await refusal(connectSsh(server, await config(kh)));
    expect(e.message).toContain('host not in known_hosts');
  });

  it('accepts hashed known_hosts entries', async () => {
    const server = await startSshd();
    const kh = join(makeTempDir('kh'), 'known_hosts');
    writeKnownHosts(kh, [server]);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', kh], { stdio: 'ignore' });
    const s = await connectSsh(server, await config(kh));
    expect((await s.exec(['true'])).exitCode).toBe(0);
    s.close();
  });

  it('asks a server with several host keys for the type recorded in known_hosts', async () => {
    const dir = makeTempDir('kh');
    const ecdsa = join(dir, 'ssh_host_ecdsa_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ecdsa', '-N', '', '-f', ecdsa], { stdio: 'ignore' });
    const server = await startSshd({ extraConfig: [`HostKey ${ecdsa}`] });
    const [type, key] = readFileSync(`${ecdsa}.pub`, 'utf8').split(' ');
    const kh = join(dir, 'known_hosts');
    writeFileSync(kh, `[${server.address}]:${server.port} ${type} ${key}\n`);
    const s = await connectSsh(server, await config(kh));
    expect((await s.exec(['true'])).exitCode).toBe(0);
    s.close();
  });

  it('fails clearly when the key is not accepted or nothing listens', async () => {
    const server = await startSshd();
    const dir = makeTempDir('kh');
    const kh = join(dir, 'known_hosts');
    writeKnownHosts(kh, [server]);
    const stranger = join(dir, 'id_stranger');
    await generateKey(stranger, 'stranger');
    const auth = await refusal(connectSsh(server, { ...(await config(kh)), identityFile: stranger }));
    expect(auth.message).toMatch(/authentication failed/);
    const port = await freePort(server.address);
    const closed = await refusal(connectSsh({ ...server, port }, await config(kh)));
    expect(closed.message).toMatch(/ECONNREFUSED/);
    const noKey = await refusal(connectSsh(server, { ...(await config(kh)), identityFile: join(dir, 'nope') }));
    // Nothing reached the server: the file is named, authorized_keys is not suggested.
    expect(noKey.message).toBe(`SSH identity file ${join(dir, 'nope')} does not exist`);
    expect((noKey as SshConnectError).refused).toBe('identity');
    expect((auth as SshConnectError).refused).toBe('login');
  });

  it('fails clearly, without crashing, when the server resets the connection before the handshake', async () => {
    // What an sshd that cannot re-exec itself does: accept, then reset. ssh2 then emits two errors.
    const reset = createServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
    await new Promise<void>((resolve) => reset.listen(0, '127.0.0.1', resolve));
    try {
      const port = (reset.address() as AddressInfo).port;
      const kh = join(makeTempDir('kh'), 'known_hosts');
      writeFileSync(kh, '');
      const e = await refusal(connectSsh({ address: '127.0.0.1', port, user: 'root' }, await config(kh)));
      expect(e.message).toMatch(/ECONNRESET|Connection lost/);
      await new Promise((resolve) => setTimeout(resolve, 200)); // a late second error would surface here
    } finally {
      reset.close();
    }
  });
  it('fails at once, never hangs, when the server closes the connection after its banner, during the handshake', async () => {
    // An sshd killed or restarted mid-handshake, or one dropping the connection (LoginGraceTime,
    // MaxStartups): ssh2 clears its ready timer and emits only 'close'. connectSsh waited for ever
    // (a soak night hung in its dump for 3 minutes until SIGTERM). A fake: a real sshd cannot be
    // made to close at exactly this moment on demand.
    const closing = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.write('SSH-2.0-OpenSSH_9.2p1 closing\r\n');
      socket.once('data', () => socket.end());
    });
    await new Promise<void>((resolve) => closing.listen(0, '127.0.0.1', resolve));
    try {
      const port = (closing.address() as AddressInfo).port;
      const kh = join(makeTempDir('kh'), 'known_hosts');
      writeFileSync(kh, '');
      // connect_timeout 600 s: only the close can end this within the test's time.
      const e = await refusal(connectSsh({ address: '127.0.0.1', port, user: 'root' }, { ...(await config(kh)), connectTimeoutSeconds: 600 }));
      expect(e.message).toBe(`ssh to root@127.0.0.1:${port} failed: the server closed the connection during the SSH handshake`);
      expect((e as SshConnectError).refused).toBeUndefined();
    } finally {
      closing.close();
    }
  }, 30_000);
  it('connectSshRetrying tries once more after a dropped handshake, and never after a refusal', async () => {
    // A TCP relay in front of a real sshd that drops the first connection after a banner, as a
    // stalled or restarting server does, and relays the next ones.
    const server = await startSshd();
    let seen = 0;
    const relay = createServer((socket) => {
      socket.on('error', () => undefined);
      if (seen++ === 0) {
        socket.write('SSH-2.0-OpenSSH_9.2p1 restarting\r\n');
        socket.once('data', () => socket.end());
        return;
      }
      const upstream = tcpConnect(server.port, server.address);
      upstream.on('error', () => socket.destroy());
      socket.pipe(upstream).pipe(socket);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    try {
      const port = (relay.address() as AddressInfo).port;
      const kh = join(makeTempDir('kh'), 'known_hosts');
      writeFileSync(kh, `[127.0.0.1]:${port} ${server.hostPublicKey.split(' ').slice(0, 2).join(' ')}\n`);
      const session = await connectSshRetrying({ address: '127.0.0.1', port, user: server.user }, await config(kh), { delayMs: 100 });
      const r = await session.exec(['echo', 'through']);
      session.close();
      expect(r.stdout).toBe('through\n');
      expect(seen).toBe(2);
      // A refusal (the host key unknown) is final: one connection, no second try.
      seen = 1;
      const empty = join(makeTempDir('kh'), 'known_hosts');
      writeFileSync(empty, '');
      const e = await refusal(connectSshRetrying({ address: '127.0.0.1', port, user: server.user }, await config(empty), { delayMs: 100 }));
      expect((e as SshConnectError).refused).toBe('host-key');
      expect(seen).toBe(2);
    } finally {
      relay.close();
    }
  }, 60_000);
});
