// ssh2 sessions against a real sshd: quoting, stdin, streaming, timeouts, logging.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SshConfig } from '../../../src/config/types.js';
import { connectSsh, type SshSession } from '../../../src/tools/ssh/client.js';
import { clientKey, HOSTILE_ARGUMENTS, makeTempDir, startSshd, writeKnownHosts, type SshdServer } from '../../harness/index.js';


let server: SshdServer;
let ssh: SshConfig;
let session: SshSession;
let dir: string;

beforeAll(async () => {
  server = await startSshd();
  dir = makeTempDir('ssh-exec');
  const knownHosts = join(dir, 'known_hosts');
  writeKnownHosts(knownHosts, [server]);
  ssh = { identityFile: (await clientKey()).privateKeyPath, knownHosts, connectTimeoutSeconds: 10 };
  session = await connectSsh(server, ssh);
});
afterAll(() => session?.close());

describe('SshSession.exec', () => {
  it('gets the exit status of fast commands whose status arrives with the exec confirmation', async () => {
    // A command that ends at once can have its exit-status in the packet that confirms the exec;
    // ssh2 emits it right after the callback. Before the fix about 0.5% of these came back without
    // an exit status (CONNECTION_LOST) once sshd's shell started fast.
    const results = await Promise.all(Array.from({ length: 600 }, () => session.exec(['od', '-An', '-tu1', '-N2', '--', '/etc/hostname'])));
    expect(results.filter((r) => r.exitCode !== 0).map((r) => r.signal)).toEqual([]);
  });

  it('fails the command, not the process, when a line callback throws', async () => {
    const seen: string[] = [];
    const run = session.exec(['printf', 'ok\\nBAD\\nlater\\n'], {
      onStdoutLine: (l) => {
        if (l === 'BAD') throw new Error('unexpected line');
        seen.push(l);
      },
    });
    await expect(run).rejects.toThrow(/cannot read the output of .*: unexpected line \(at the line "BAD"\)/);
    expect(seen).toEqual(['ok']);
    // The session still works.
    expect((await session.exec(['true'])).exitCode).toBe(0);
  });

  it('passes hostile arguments through the remote shell byte for byte', async () => {
    const r = await session.exec(['printf', '%s\\0', ...HOSTILE_ARGUMENTS]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout!.split('\0').slice(0, -1)).toEqual(HOSTILE_ARGUMENTS);
  });

  it('reports exit codes and the tail of stderr, line by line', async () => {
    const errLines: string[] = [];
    const r = await session.exec(['sh', '-c', 'echo one >&2; echo two >&2; exit 3'], {
      onStderrLine: (l) => errLines.push(l),
    });
    expect(r).toMatchObject({ exitCode: 3, timedOut: false, aborted: false, stderrTail: ['one', 'two'] });
    expect(errLines).toEqual(['one', 'two']);
    expect(r.command).toBe(`${server.user}@${server.address}:${server.port}: sh -c "echo one >&2; echo two >&2; exit 3"`);
  });

  it('sends string, Buffer and stream input as stdin, and EOF without input', async () => {
    expect((await session.exec(['cat'], { input: 'hello\nworld' })).stdout).toBe('hello\nworld');
    const bin = randomBytes(4096);
    const sum = createHash('sha256').update(bin).digest('hex');
    expect((await session.exec(['sha256sum'], { input: bin })).stdout).toBe(`${sum}  -\n`);
    expect((await session.exec(['sha256sum'], { input: Readable.from([bin]) })).stdout).toBe(`${sum}  -\n`);
    const empty = await session.exec(['cat'], { timeoutMs: 10_000 });
    expect(empty).toMatchObject({ exitCode: 0, stdout: '', timedOut: false });
  });

  it('streams large raw stdout into a local file', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const src = join(dir, 'big.bin');
    writeFileSync(src, data);
    const dest = join(dir, 'copy.bin');
    const r = await session.exec(['cat', '--', src], { stdoutTo: createWriteStream(dest) });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBeUndefined();
    expect(readFileSync(dest).equals(data)).toBe(true);
  });

  it('pipes a large stream in and out with backpressure', async () => {
    const data = randomBytes(2 * 1024 * 1024);
    const chunks: Buffer[] = [];
    const sink = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        setImmediate(cb);
      },
    });
    const r = await session.exec(['cat'], { input: Readable.from([data.subarray(0, 1e6), data.subarray(1e6)]), stdoutTo: sink });
    expect(r.exitCode).toBe(0);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
  });

  it('gives stdout line by line and caps captured stdout at 1 MiB', async () => {
    const lines: string[] = [];
    await session.exec(['printf', 'a\\nb\\r\\nc'], { onStdoutLine: (l) => lines.push(l) });
    expect(lines).toEqual(['a', 'b', 'c']);
    const big = await session.exec(['head', '-c', '1100000', '/dev/zero']);
    expect(big.stdout!.length).toBe(1024 * 1024);
    expect(big.stdoutTruncated).toBe(true);
  });

  it('kills a command that exceeds its timeout, on the remote side too', async () => {
    const marker = `60.${Date.now() % 100000}${Math.floor(Math.random() * 1000)}`;
    const r = await session.exec(['sleep', marker], { timeoutMs: 1000 });
    expect(r).toMatchObject({ timedOut: true, aborted: false, exitCode: undefined, signal: 'SIGKILL' });
    expect(r.durationMs).toBeLessThan(8000);
    expect(await remainingProcesses(`sleep ${marker}`)).toBe(false);
    // the session is still usable afterwards
    expect((await session.exec(['echo', 'alive'])).stdout).toBe('alive\n');
  });

  it('kills a command when the signal aborts, even after stdin was sent', async () => {
    const marker = `61.${Date.now() % 100000}${Math.floor(Math.random() * 1000)}`;
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 500);
    const r = await session.exec(['sh', '-c', 'cat >/dev/null; exec sleep "$0"', marker], { signal: ac.signal, input: 'x' });
    expect(r).toMatchObject({ aborted: true, timedOut: false });
    expect(await remainingProcesses(`sleep ${marker}`)).toBe(false);
  });

  it('kills the children of a timed-out command too', async () => {
    const marker = `62.${Date.now() % 100000}${Math.floor(Math.random() * 1000)}`;
    const r = await session.exec(['sh', '-c', 'sleep "$0" & sleep "$0"; wait', marker], { timeoutMs: 800 });
    expect(r.timedOut).toBe(true);
    expect(await remainingProcesses(`sleep ${marker}`)).toBe(false);
  });

  it('logs each remote command once with its duration and exit code', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
    const s = await connectSsh(server, ssh, { logger });
    try {
      await s.exec(['sh', '-c', 'exit 4']);
    } finally {
      s.close();
    }
    const finished = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'remote command finished');
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({ exitCode: 4, timedOut: false });
    expect(typeof finished[0].durationMs).toBe('number');
    expect(finished[0].cmd).toContain('sh -c "exit 4"');
  });
});

/** Whether a process whose command line is exactly `cmd` is still alive shortly after (sshd is local). */
async function remainingProcesses(cmd: string): Promise<boolean> {
  for (let i = 0; i < 30; i++) {
    try {
      execFileSync('pgrep', ['-f', '-x', cmd], { stdio: 'ignore' });
    } catch {
      return false; // pgrep exits 1 when nothing matches
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}
