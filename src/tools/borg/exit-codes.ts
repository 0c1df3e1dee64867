// borg's exit codes (1.2): 0 success, 1 warning, 2 error, 128+N killed by signal N.

export type BorgVerdict =
  | { kind: 'ok' }
  | { kind: 'warning'; reason: string }
  /** `cause` is set when borg could not do the work at all for a known reason (nothing was checked). */
  | { kind: 'failed'; reason: string; cause?: 'wrong-passphrase' | 'no-space' };

/** borg's line when the passphrase does not open the repository key (PassphraseWrong: exit 2 legacy, 52 modern). */
const WRONG_PASSPHRASE = /^passphrase supplied in .* is incorrect/i;

/** Whether a stderr line of borg says the passphrase is wrong. */
export function saysWrongPassphrase(line: string): boolean {
  return WRONG_PASSPHRASE.test(line.trim());
}

/** The verdict of a borg run that could not open the repository key with the passphrase in `file`. */
export function wrongPassphrase(file: string | undefined): BorgVerdict {
  return { kind: 'failed', reason: `wrong passphrase: the borg passphrase file ${file ?? '(none)'} does not open the repository key`, cause: 'wrong-passphrase' };
}

/**
 * borg's words when the repository's filesystem is full: an OSError ENOSPC (a file's chunks, a
 * segment, the manifest: "No space left on device, cleaning up partial transaction to free space")
 * or its own pre-commit check ("Insufficient free space to complete transaction (required: ..., available: ...)").
 */
const NO_SPACE = /No space left on device|\[Errno 28\]|Insufficient free space to complete transaction/;

/** Whether a stderr line of borg says the repository's filesystem is full. */
export function saysNoSpace(line: string): boolean {
  return NO_SPACE.test(line);
}

/**
 * The verdict of a borg run that hit a full disk, whatever its exit code: even a warning (exit 1)
 * then means files the archive lacks. borg rolls its unfinished transaction back (now, or when
 * the repository is next opened): nothing half-written is ever committed.
 */
export function noSpace(line: string, exitCode: number | undefined): BorgVerdict {
  return { kind: 'failed', cause: 'no-space', reason: `no space left on device (borg: ${line.trim()}; exit ${exitCode ?? 'killed'})` };
}

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
