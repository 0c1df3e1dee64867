// When progress is drawn: only for a person at a terminal. Cron (stdout not a TTY), a quiet
// terminal (--log-level warn and above) and a terminal that hung up get nothing, not even escape codes.

const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

export interface DrawFacts {
  stdoutIsTTY: boolean;
  /** The terminal log level (--log-level, default info). */
  level: string;
  /** The terminal hung up (logging/terminal.ts). */
  terminalGone: boolean;
}

/** True when progress should be drawn: stdout is a terminal still attached and the level is info or lower. */
export function shouldDrawProgress(f: DrawFacts): boolean {
  const level = LEVELS[f.level] ?? LEVELS.info!;
  return f.stdoutIsTTY && !f.terminalGone && level <= LEVELS.info!;
}
