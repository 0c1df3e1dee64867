// rclone's exit codes (docs: "Exit code"), read per subcommand where they mean different things.

export type RcloneVerdict = { kind: 'ok' } | { kind: 'failed'; reason: string };

const MEANINGS: Record<number, string> = {
  1: 'syntax or usage error',
  2: 'error not otherwise categorised',
  3: 'directory not found',
  4: 'file not found',
  5: 'temporary error (retries exhausted)',
  6: 'less serious errors (e.g. 461 errors from Dropbox)',
  7: 'fatal error (e.g. --max-delete exceeded, or an account problem)',
  8: 'transfer limit exceeded (--max-transfer)',
  9: 'no files transferred',
};

/** The verdict for an rclone exit code. `differences`: what rclone check said it found (it exits 1 then). */
export function classifyRcloneExit(exitCode: number | undefined, o: { timedOut?: boolean; signal?: string; differences?: number } = {}): RcloneVerdict {
  if (o.timedOut) return { kind: 'failed', reason: 'rclone timed out' };
  if (exitCode === undefined) return { kind: 'failed', reason: o.signal ? `rclone was killed by ${o.signal}` : 'rclone was killed' };
  if (exitCode === 0) return { kind: 'ok' };
  if (exitCode === 1 && o.differences !== undefined && o.differences > 0) return { kind: 'failed', reason: `rclone check found ${o.differences} difference(s)` };
  return { kind: 'failed', reason: `rclone failed (exit ${exitCode}: ${MEANINGS[exitCode] ?? 'unknown exit code'})` };
}
