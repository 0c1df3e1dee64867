// Remote commands over the night's OpenSSH master (tools/ssh/mux-session.ts): the same contract as
// ssh2's sessions (exec.test.ts) for what runs over it: hostile arguments byte for byte, exit codes
// and stderr (without the PID report), string input, and a timeout or abort that kills the remote
// process group too. And no login of its own: the master's is the only one.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SshConfig } from '../../../src/config/types.js';
import type { SshSession } from '../../../src/tools/ssh/client.js';
import { openSshMux, type SshMux } from '../../../src/tools/ssh/mux.js';
import { muxSession } from '../../../src/tools/ssh/mux-session.js';
import { clientKey, HOSTILE_ARGUMENTS, makeTempDir, startSshd, writeKnownHosts, type SshdServer } from '../../harness/index.js';

const logins = (log: string) => (log.match(/Accepted publickey for /g) ?? []).length;

let server: SshdServer;
let mux: SshMux;
let session: SshSession;
let loginsBefore: number;

beforeAll(async () => {
  server = await startSshd({ logLevel: 'INFO' });
  const dir = makeTempDir('mux-exec');
  const knownHosts = join(dir, 'known_hosts');
  writeKnownHosts(knownHosts, [server]);
  const ssh: SshConfig = { identityFile: (await clientKey()).privateKeyPath, knownHosts, connectTimeoutSeconds: 10 };
  const host = { address: server.address, port: server.port, user: server.user, name: 'main' };
  loginsBefore = logins(server.log);
  mux = (await openSshMux(ssh, host, { readyTimeoutMs: 10_000 }))!;
  expect(mux).toBeDefined();
  session = muxSession(ssh, host, mux.controlPath()!);
});
afterAll(async () => mux?.close());

describe('SshSession.exec over the shared connection', () => {
  it('passes hostile arguments through the remote shell byte for byte', async () => {
    const r = await session.exec(['printf', '%s\\0', ...HOSTILE_ARGUMENTS]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout!.split('\0').slice(0, -1)).toEqual(HOSTILE_ARGUMENTS);
  });

  it('reports exit codes and stderr without the PID report, and sends string input', async () => {
    const errLines: string[] = [];
    const r = await session.exec(['sh', '-c', 'echo one >&2; echo two >&2; exit 3'], { onStderrLine: (l) => errLines.push(l) });
    expect(r).toMatchObject({ exitCode: 3, timedOut: false, aborted: false, stderrTail: ['one', 'two'] });
    expect(errLines).toEqual(['one', 'two']);
    expect((await session.exec(['cat'], { input: 'to stdin\n' })).stdout).toBe('to stdin\n');
    const lines: string[] = [];
    await session.exec(['printf', 'a\\nb\\n'], { onStdoutLine: (l) => lines.push(l) });
    expect(lines).toEqual(['a', 'b']);
  });

  it('kills a command that exceeds its timeout, or whose signal aborts, on the remote side too', async () => {
    const marker = `63.${Date.now() % 100000}${Math.floor(Math.random() * 1000)}`;
    const r = await session.exec(['sh', '-c', 'sleep "$0" & sleep "$0"; wait', marker], { timeoutMs: 1000 });
    expect(r).toMatchObject({ timedOut: true, aborted: false });
    expect(r.durationMs).toBeLessThan(8000);
    expect(await remainingProcesses(`sleep ${marker}`)).toBe(false);

    const marker2 = `64.${Date.now() % 100000}${Math.floor(Math.random() * 1000)}`;
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 500);
    const r2 = await session.exec(['sleep', marker2], { signal: ac.signal });
    expect(r2).toMatchObject({ aborted: true, timedOut: false });
    expect(await remainingProcesses(`sleep ${marker2}`)).toBe(false);
    expect((await session.exec(['echo', 'alive'])).stdout).toBe('alive\n');
  });

  it('logs in no more than the master did', () => {
    expect(logins(server.log) - loginsBefore).toBe(1);
  });
});

async function remainingProcesses(cmd: string): Promise<boolean> {
  for (let i = 0; i < 30; i++) {
    try {
      execFileSync('pgrep', ['-f', '-x', cmd], { stdio: 'ignore' });
    } catch {
      return false;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}
