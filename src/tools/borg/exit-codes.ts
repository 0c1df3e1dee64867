// borg's exit codes (1.2): 0 success, 1 warning, 2 error, 128+N killed by signal N.

export type BorgVerdict =
  | { kind: 'ok' }
  | { kind: 'warning'; reason: string }
  /** `cause` is set when borg could not do the work at all for a known reason (nothing was checked). */
  | { kind: 'failed'; reason: string; cause?: 'wrong-passphrase' | 'no-space' | 'rolled-back' | 'locked' };

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

/**
 * borg 1.2's refusal of a repository older than the state it remembers in its security directory
 * or cache (Cache.RepositoryReplay, and Cache.RepositoryIDNotUnique for an unencrypted one): "Cache,
 * or information obtained from the security directory is newer than repository - this is either an
 * attack or unsafe (multiple repos with same ID)". After a crash or a bad disk cut the repository's
 * last segment short, borg rolls back to the last complete transaction and then refuses it so.
 */
const ROLLED_BACK = /^Cache(, or information obtained from the security directory)? is newer than repository/;

/** Whether a stderr line of borg is its refusal of a repository that went back in time. */
export function saysRolledBack(line: string): boolean {
  return ROLLED_BACK.test(line.trim());
}

/** The verdict of a borg run refused because the repository is older than borg last saw it (borg's own line is `line`). */
export function rolledBack(line: string): BorgVerdict {
  return {
    kind: 'failed',
    cause: 'rolled-back',
    reason:
      'the repository went back in time: it lost its newest transaction(s), most likely a crash or a bad disk cut its last segment file short, ' +
      'so the archives written in them are gone (older archives are not affected), and borg now refuses to use it until the operator accepts its state ' +
      `(borg's words: ${line.trim()}). \`pullback check\` names the archives that are gone; \`pullback repo accept-rollback --host HOST\` accepts the repository as it is now`,
  };
}

/** borg 1.2's LockTimeout: another process held the repository's lock longer than --lock-wait; nothing was done before it. */
const LOCKED = /Failed to create\/acquire the lock .*\(timeout\)/;

/** Whether a stderr line of borg says it gave up waiting for the repository's lock. */
export function saysLocked(line: string): boolean {
  return LOCKED.test(line);
}

/** The verdict of a borg run that never got the repository's lock: it did nothing (it read and checked nothing). */
export function locked(line: string): BorgVerdict {
  return { kind: 'failed', cause: 'locked', reason: `the repository is locked by another borg process and the lock wait expired: nothing was done (borg: ${line.trim()})` };
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
