// A night whose pull of one source fails half-way, the way a real disk fault does it: one file of
// the source's mirror is made immutable (chattr +i), so rsync updates the others and then fails
// (exit 23). Used to make partial archives on real tools.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { CliResult } from './cli.js';
import type { TestConfig } from './config.js';

/** Runs `night` with `file` of the host's source mirror immutable; unlocks it wherever the night moved it. */
export async function nightWithLockedMirrorFile(cfg: TestConfig, host: string, source: string, file: string, night: () => Promise<CliResult>): Promise<CliResult> {
  const locked = join(cfg.mirrorPath(host, source), file);
  execFileSync('chattr', ['+i', locked]);
  try {
    return await night();
  } finally {
    // A half-updated mirror (with the immutable file) may have been moved aside.
    for (const p of [locked, join(cfg.mirrorPath(host, source), '..', `.half-updated-${source}`, file)]) {
      try {
        execFileSync('chattr', ['-i', p], { stdio: 'ignore' });
      } catch {
        // not there
      }
    }
  }
}
