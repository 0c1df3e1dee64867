// Direct borg access for assertions: list archives and extract them, passphrase by file descriptor.
import { closeSync, mkdirSync, openSync, readdirSync, readSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { registerPid } from './cleanup.js';
import { makeTempDir } from './tmp.js';

let baseDir: string | undefined;

function borgBase(): string {
  baseDir ??= makeTempDir('pullback-borgbase-');
  return baseDir;
}

function borgEnv(): Record<string, string> {
  return { BORG_BASE_DIR: borgBase(), BORG_RELOCATED_REPO_ACCESS_IS_OK: 'yes', BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK: 'yes' };
}

/** Starts borg without waiting (e.g. `with-lock REPO sleep 60` to hold a repository's lock); killed at exit if still running. */
export function startBorg(args: string[]): ResultPromise {
  const child = execa('borg', args, { reject: false, env: borgEnv(), stdin: 'ignore' });
  if (child.pid !== undefined) registerPid(child.pid);
  return child;
}

/** Runs borg with the passphrase file on fd 3 (BORG_PASSPHRASE_FD) and an isolated BORG_BASE_DIR; throws on exit >= 2. */
export async function runBorg(args: string[], passphraseFile: string | undefined, cwd?: string): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const fd = passphraseFile ? openSync(passphraseFile, 'r') : undefined;
  try {
    const env = borgEnv();
    if (fd !== undefined) env.BORG_PASSPHRASE_FD = '3';
    const r = await execa('borg', args, {
      reject: false,
      cwd,
      env,
      // execa passes a raw fd through at runtime; its types only admit fds for the first three.
      stdio: (fd !== undefined ? ['ignore', 'pipe', 'pipe', fd] : ['ignore', 'pipe', 'pipe']) as ['ignore', 'pipe', 'pipe'],
    });
    if ((r.exitCode ?? 2) >= 2) throw new Error(`borg ${args.join(' ')} failed (${r.exitCode}): ${r.stderr}`);
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode ?? 0 };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The archive names in a repository, oldest first. */
export async function borgList(repo: string, passphraseFile?: string): Promise<string[]> {
  const r = await runBorg(['list', '--short', repo], passphraseFile);
  return r.stdout.split('\n').filter((l) => l.length > 0);
}

/** Extracts an archive (optionally only `paths`) into `dest`, which is created if needed. */
export async function borgExtract(repo: string, archive: string, dest: string, passphraseFile?: string, paths: string[] = []): Promise<void> {
  mkdirSync(dest, { recursive: true });
  await runBorg(['extract', '--numeric-ids', `${repo}::${archive}`, ...paths], passphraseFile, dest);
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

/** Inverts `bytes` bytes in the middle of the largest segment file of the repository (where the data chunks are); returns that file. */
export function corruptLargestSegment(repo: string, bytes = 16): string {
  const largest = filesUnder(join(repo, 'data')).sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
  const fd = openSync(largest, 'r+');
  try {
    const at = Math.floor(statSync(largest).size / 2);
    const buf = Buffer.alloc(bytes);
    readSync(fd, buf, 0, buf.length, at);
    for (let i = 0; i < buf.length; i++) buf[i] = buf[i]! ^ 0xff;
    writeSync(fd, buf, 0, buf.length, at);
  } finally {
    closeSync(fd);
  }
  return largest;
}
