// The remote.ts helpers against a real sshd (which runs locally, so results can be checked here).
import { createHash } from 'node:crypto';
import { mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ToolError } from '../../../src/errors.js';
import { connectSsh, type SshSession } from '../../../src/tools/ssh/client.js';
import {
  remoteFreeBytes, remoteIsWritable, remotePathExists, remotePlace, remoteRun, remoteSha256, remoteStat,
} from '../../../src/tools/ssh/remote.js';
import { clientKey, makeTempDir, startSshd, writeKnownHosts } from '../../harness/index.js';

let session: SshSession;
let dir: string;

beforeAll(async () => {
  const server = await startSshd();
  dir = makeTempDir('ssh-remote');
  const knownHosts = join(dir, 'known_hosts');
  writeKnownHosts(knownHosts, [server]);
  session = await connectSsh(server, {
    identityFile: (await clientKey()).privateKeyPath,
    knownHosts,
    connectTimeoutSeconds: 10,
  });
});
afterAll(() => session?.close());

describe('remote helpers', () => {
  it('stats files, directories and symlinks with awkward names, and null for missing ones', async () => {
    const file = join(dir, "-odd name's $x\nline.txt");
    writeFileSync(file, 'hello', { mode: 0o640 });
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    expect(await remoteStat(session, file)).toEqual({ size: 5, mtimeSeconds: 1_700_000_000, type: 'file', mode: 0o640 });
    const sub = join(dir, 'sub dir');
    mkdirSync(sub);
    expect((await remoteStat(session, sub))?.type).toBe('directory');
    const link = join(dir, 'dangling');
    symlinkSync(join(dir, 'nowhere'), link);
    expect((await remoteStat(session, link))?.type).toBe('symlink');
    expect(await remoteStat(session, join(dir, 'missing'))).toBeNull();
    expect(await remotePathExists(session, file)).toBe(true);
    expect(await remotePathExists(session, link)).toBe(false);
    expect(await remotePathExists(session, join(dir, 'missing'))).toBe(false);
  });

  it('checksums a remote file', async () => {
    const file = join(dir, 'back\\slash.bin');
    const data = Buffer.from('some dump bytes\n');
    writeFileSync(file, data);
    expect(await remoteSha256(session, file)).toBe(createHash('sha256').update(data).digest('hex'));
    await expect(remoteSha256(session, join(dir, 'missing'))).rejects.toThrow(/cannot checksum .*missing: exited 1/);
  });

  it('finds the nearest existing place of a path with its filesystem, free space and writability, in one command', async () => {
    const odd = join(dir, "-place's $x\nline");
    mkdirSync(odd);
    const { statSync } = await import('node:fs');
    const place = await remotePlace(session, [join(odd, 'not yet', 'deeper'), join(odd, 'not yet'), odd, dir, '/']);
    expect(place).toMatchObject({ checked: odd, device: String(statSync(odd).dev), writable: true });
    expect(place.freeBytes).toBeGreaterThan(0);
    expect(place.freeBytes! % 1024).toBe(0);
    await expect(remotePlace(session, [join(dir, 'missing'), join(dir, 'missing too')])).rejects.toThrow(/none of .* exists/);
  });

  it('reads free space and writability one command each (as pullback-gate allows them)', async () => {
    const free = await remoteFreeBytes(session, dir);
    expect(free).toBeGreaterThan(0);
    expect(free % 1024).toBe(0);
    await expect(remoteFreeBytes(session, join(dir, 'missing'))).rejects.toBeInstanceOf(ToolError);
    expect(await remoteIsWritable(session, dir)).toBe(true);
    expect(await remoteIsWritable(session, join(dir, 'missing'))).toBe(false);
  });

  it('remoteRun throws a ToolError with the stderr tail on failure', async () => {
    const err = await remoteRun(session, ['sh', '-c', 'echo boom >&2; exit 2'], 'demo failed').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolError);
    expect((err as ToolError).message).toBe('demo failed: exited 2: boom');
    expect((err as ToolError).details).toMatchObject({ exitCode: 2, stderrTail: ['boom'] });
  });
});
