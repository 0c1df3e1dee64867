// Small real filesystems for disk-full faults: a tmpfs mounted on a test directory (root only),
// always unmounted after the test file by the harness cleanup.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { registerCleanup } from './cleanup.js';

export interface Tmpfs {
  dir: string;
  /** Grows (or shrinks) the filesystem in place, keeping its files: "space was freed". */
  resize(size: string): void;
}

/** Mounts a tmpfs of `size` ("4m") on `dir` (created if needed); unmounted after the test file, lazily if still busy. */
export function mountTmpfs(dir: string, size: string): Tmpfs {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir]);
  registerCleanup(() => {
    try {
      execFileSync('umount', [dir], { stdio: 'ignore' });
    } catch {
      execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
    }
  });
  return { dir, resize: (to) => execFileSync('mount', ['-o', `remount,size=${to}`, dir]) };
}
