// borg's exit codes (1.2): 0 success, 1 warning, 2 error, 128+N killed by signal N.

export type BorgVerdict = { kind: 'ok' } | { kind: 'warning'; reason: string } | { kind: 'failed'; reason: string };

/** The verdict for a borg exit code (or the signal that killed it). */
export function classifyBorgExit(exitCode: number | undefined, timedOut = false, signal?: string): BorgVerdict {
  if (timedOut) return { kind: 'failed', reason: 'borg timed out' };
  if (exitCode === undefined) return { kind: 'failed', reason: signal ? `borg was killed by ${signal}` : 'borg was killed' };
  if (exitCode === 0) return { kind: 'ok' };
  if (exitCode === 1) return { kind: 'warning', reason: 'borg finished with warnings (exit 1)' };
  if (exitCode >= 128) return { kind: 'failed', reason: `borg was killed by signal ${exitCode - 128}` };
  return { kind: 'failed', reason: `borg failed (exit ${exitCode})` };
}

/** `borg check` (1.2) reports the damage it found with exit 1, so for a check 1 is a failure, not a warning. */
export function classifyBorgCheckExit(exitCode: number | undefined, timedOut = false, signal?: string): BorgVerdict {
  if (!timedOut && exitCode === 1) return { kind: 'failed', reason: 'borg check found problems (exit 1)' };
  return classifyBorgExit(exitCode, timedOut, signal);
}
