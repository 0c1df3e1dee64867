// A main server whose rsync sends slowly, on demand: the host's rsync_path points at this wrapper,
// which runs the real rsync and, while the flag file exists, relays its output to sshd at about
// `bytesPerSecond` (perl, which every Debian has). rsync itself is untouched; only the pace changes,
// so a test can act in the middle of a transfer (kill pullback, delete or rewrite files).
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SlowRsync {
  /** The wrapper, for `rsync.rsync_path`. */
  path: string;
  slow(on: boolean): void;
}

/** Writes the wrapper into `dir` (a plain temp dir: its path is written into a shell script unquoted-safe). */
export function slowRsyncPath(dir: string, bytesPerSecond: number): SlowRsync {
  if (!/^[A-Za-z0-9_./-]+$/.test(dir)) throw new Error(`slowRsyncPath: ${dir} must be a plain path`);
  const flag = join(dir, 'slow.flag');
  const path = join(dir, 'rsync-slow');
  const chunk = 4096;
  const pause = chunk / bytesPerSecond;
  writeFileSync(
    path,
    [
      '#!/bin/sh',
      `if [ -e ${flag} ]; then`,
      `  rsync "$@" | perl -e 'while (sysread(STDIN, $b, ${chunk})) { syswrite(STDOUT, $b) or exit 1; select(undef, undef, undef, ${pause}) }'`,
      'else',
      '  exec rsync "$@"',
      'fi',
      '',
    ].join('\n'),
  );
  chmodSync(path, 0o755);
  return {
    path,
    slow: (on) => (on ? writeFileSync(flag, '') : rmSync(flag, { force: true })),
  };
}
