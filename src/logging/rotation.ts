// Which daily log file a moment writes to, and which files are past their retention. Pure.

const LOG_NAME = /^pullback-(\d{4}-\d{2}-\d{2})\.log$/;

/** The day (UTC, YYYY-MM-DD) a log entry at `at` belongs to. */
export function logDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** The file name of a day's log. */
export function logFileName(day: string): string {
  return `pullback-${day}.log`;
}

/** The day of a log file name, or undefined for any other file. */
export function dayOfLogFile(name: string): string | undefined {
  return LOG_NAME.exec(name)?.[1];
}

/** The log files among `names` older than the newest `keepDays` days ending today; other files are never listed. */
export function expiredLogFiles(names: readonly string[], today: string, keepDays: number): string[] {
  const cutoff = new Date(`${today}T00:00:00Z`);
  cutoff.setUTCDate(cutoff.getUTCDate() - (keepDays - 1));
  const oldest = logDay(cutoff);
  return names.filter((n) => {
    const day = dayOfLogFile(n);
    return day !== undefined && day < oldest;
  });
}
