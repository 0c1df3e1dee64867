// Who reads pullback's terminal output: a person at a terminal, or cron (and systemd, a script with
// both streams redirected), which mails whatever is printed. Without a terminal a job prints nothing
// when all went well and a few lines naming host, step and error when not; the log file keeps every
// line either way.

export type OutputMode = 'terminal' | 'quiet';

export interface OutputFacts {
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** --quiet: the cron behaviour even at a terminal. */
  quiet?: boolean;
  /** --verbose: the terminal behaviour without one (log lines on stderr, tables on stdout). */
  verbose?: boolean;
  /** $PULLBACK_VERBOSE=1: the same as --verbose, for wrappers that capture the output themselves. */
  verboseEnv?: string;
}

/** The output mode: the flags first, then quiet when neither stdout nor stderr is a terminal. */
export function decideOutputMode(f: OutputFacts): OutputMode {
  if (f.quiet) return 'quiet';
  if (f.verbose || f.verboseEnv === '1') return 'terminal';
  return f.stdoutIsTTY || f.stderrIsTTY ? 'terminal' : 'quiet';
}
