// A tree whose metadata a backup must keep exactly: POSIX ACLs (access and default), user xattrs,
// file capabilities, numeric owners, setuid/setgid/sticky, nanosecond mtimes, a fifo, awkward names
// (newline, non-UTF-8, 255 bytes), a deep path and a 256 MiB sparse file holding 1 MiB; plus the
// comparisons that prove it (rsync -naiHAX --checksum lists nothing, allocated blocks).
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, closeSync, mkdirSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { writeNastyTree } from './tree.js';

export const SPARSE_FILE = 'vm/disk.img';
export const SPARSE_SIZE = 256 * 1024 ** 2;

/** Fills `root`; needs root (chown, setcap) and setfacl/setfattr/setcap on PATH. */
export async function writeMetadataTree(root: string): Promise<void> {
  writeNastyTree(root, { bigFileBytes: 20_000 });
  const p = (...parts: string[]) => join(root, ...parts);
  mkdirSync(p('acl'), { recursive: true });
  writeFileSync(p('acl', 'shared.txt'), 'shared with uid 4242\n');
  await execa('setfacl', ['-m', 'u:4242:rw,g:4343:r', '--', p('acl', 'shared.txt')]);
  mkdirSync(p('acl', 'inherit'));
  await execa('setfacl', ['-d', '-m', 'u:4242:rwx,g:4343:rx', '--', p('acl', 'inherit')]);
  writeFileSync(p('xattr.txt'), 'has a user xattr\n');
  await execa('setfattr', ['-n', 'user.pullback.note', '-v', 'kept across restores', '--', p('xattr.txt')]);
  writeFileSync(p('ping-like'), '#!/bin/sh\n');
  chmodSync(p('ping-like'), 0o755);
  await execa('setcap', ['cap_net_raw,cap_net_bind_service=ep', p('ping-like')]);
  writeFileSync(p('owned'), 'numeric owner\n');
  chownSync(p('owned'), 12345, 54321);
  writeFileSync(p('setuid'), 'x');
  chmodSync(p('setuid'), 0o4755);
  mkdirSync(p('setgid-dir'));
  chmodSync(p('setgid-dir'), 0o2775);
  mkdirSync(p('sticky-dir'));
  chmodSync(p('sticky-dir'), 0o1777);
  writeFileSync(p('nanos'), 'nanosecond mtime\n');
  await execa('touch', ['-d', '2021-03-04 05:06:07.123456789', '--', p('nanos')]);
  await execa('mkfifo', ['--', p('fifo')]);
  writeFileSync(Buffer.from(`${root}/latin1-\xe9t\xe9`, 'latin1'), 'not UTF-8\n');
  writeFileSync(p('n'.repeat(255)), '255 bytes\n');
  const deep = p(...Array.from({ length: 40 }, (_, i) => `level-${i}`));
  mkdirSync(deep, { recursive: true });
  writeFileSync(join(deep, 'bottom.txt'), 'deep\n');
  mkdirSync(p('vm'));
  const fd = openSync(p(SPARSE_FILE), 'w');
  try {
    writeSync(fd, randomBytes(1024 * 1024), 0, 1024 * 1024, 512 * 1024 * 1024);
  } finally {
    closeSync(fd);
  }
  await execa('truncate', ['-s', String(SPARSE_SIZE), '--', p(SPARSE_FILE)]);
}

/** Bytes allocated on disk to a file (st_blocks * 512). */
export function allocatedBytes(file: string): number {
  return statSync(file).blocks * 512;
}

/** What `rsync -naiHAX --numeric-ids --checksum` (dry run) says differs from `a` to `b`; empty when they are exact copies. */
export async function rsyncDifferences(a: string, b: string, opts: { exclude?: string[]; delete?: boolean } = {}): Promise<string[]> {
  const args = ['-naiHAX', '--numeric-ids', '--checksum', ...(opts.delete === false ? [] : ['--delete']), ...(opts.exclude ?? []).map((e) => `--exclude=${e}`), '--', `${a}/`, `${b}/`];
  const r = await execa('rsync', args, { reject: false, env: { LC_ALL: 'C' } });
  if (r.exitCode !== 0) throw new Error(`rsync ${args.join(' ')} exited ${r.exitCode}: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l !== '');
}

/** A pristine copy of `from` at `to` with every attribute (the reference a restore is compared with). */
export async function pristineCopy(from: string, to: string): Promise<void> {
  await execa('rsync', ['-aHAXS', '--numeric-ids', '--', `${from}/`, `${to}/`]);
}
