// What a failed tool said: its stderr kept twice, bounded either way — the last lines (context),
// and the first lines that look like errors, with the DETAIL line PostgreSQL puts after one. A
// tool's real error is often not its last line (pg_restore ends with "Command was: ...", borg and
// rsync with a summary), so the message people see is built from the error lines first.

const TAIL_LINES = 20;
const ERROR_LINES = 6;
/** A line reporting an error: `pg_restore: error: ...`, `ERROR 1064 (42000) at line 3: ...`, `FATAL:  ...`, `rsync error: ...`. */
const ERROR_LINE = /\b(error|fatal|panic)\b/i;
/** Lines that follow an error and explain it. */
const FOLLOW_LINE = /^(DETAIL|HINT): /;
/** Lines that only repeat what ran, never the reason. */
const NOISE_LINE = /^(Command was: |LINE \d+: |\s*\^\s*$)/;

/** Collects stderr line by line; `tail` and `errors` are always bounded. */
export class StderrCapture {
  readonly tail: string[] = [];
  readonly errors: string[] = [];
  private lastWasError = false;

  push(line: string): void {
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    if (this.errors.length >= ERROR_LINES) return;
    const text = line.trim();
    if (text === '') return;
    if (ERROR_LINE.test(text) || (this.lastWasError && FOLLOW_LINE.test(text))) {
      this.errors.push(text);
      this.lastWasError = true;
    } else {
      this.lastWasError = false;
    }
  }
}

/**
 * The lines a failure message shows: the first error line and what explains it (at most three),
 * else the last line of the tail that is not noise, else nothing.
 */
export function reasonLines(errors: readonly string[], tail: readonly string[]): string[] {
  if (errors.length > 0) {
    const out = [errors[0]!];
    for (const l of errors.slice(1)) {
      if (out.length >= 3) break;
      if (FOLLOW_LINE.test(l) || out.length < 2) out.push(l);
    }
    return out;
  }
  const last = [...tail].reverse().find((l) => l.trim() !== '' && !NOISE_LINE.test(l));
  return last ? [last.trim()] : [];
}

/** The reason lines of a finished command as one line ('' when it said nothing). */
export function reasonOf(r: { stderrTail: readonly string[]; stderrErrors?: readonly string[] }): string {
  return reasonLines(r.stderrErrors ?? [], r.stderrTail).join(' | ');
}
