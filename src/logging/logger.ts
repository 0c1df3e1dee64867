// pino logging: JSON lines to <state_dir>/logs/pullback-YYYY-MM-DD.log (one file per day, the
// oldest past logs.keep_days deleted at start) and to stderr as readable lines (JSON with
// --log-format json). Redaction is on for every key that could carry a secret, and the credentials
// of any URL in a line (http://user:password@host) are masked before it is written anywhere.
import { readdirSync, rmSync } from 'node:fs';
import { ensurePrivateDir, ensurePrivateFile } from '../util/private.js';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { redactUrls } from '../util/url.js';
import { lineFormatter } from './format.js';
import { expiredLogFiles, logDay, logFileName } from './rotation.js';
import { detachTerminal, routedTerminalLine, terminalGone } from './terminal.js';

export type { Logger } from 'pino';

export const REDACT_PATHS = [
  'passphrase',
  'password',
  'secret',
  'authorization',
  'env.BORG_PASSPHRASE',
  'env.PGPASSWORD',
  'env.MYSQL_PWD',
  '*.passphrase',
  '*.password',
  '*.secret',
  '*.authorization',
  '*.env.BORG_PASSPHRASE',
  '*.env.PGPASSWORD',
  '*.env.MYSQL_PWD',
];

export interface LoggerOptions {
  /** Without it, logs go to stderr only (e.g. `validate`). */
  stateDir?: string;
  level?: string;
  /** Level for stderr; the file always gets `level`. */
  stderrLevel?: string;
  /** stderr as readable lines (default) or pino's JSON lines. */
  stderrFormat?: 'pretty' | 'json';
  /** Days of log files kept (today included); older ones are deleted when the logger is created. */
  keepDays?: number;
}


/** A root logger writing to the state directory's log file and to stderr. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? 'info';
  const streams: pino.StreamEntry[] = [];
  if (opts.stateDir) {
    const dir = join(opts.stateDir, 'logs');
    ensurePrivateDir(opts.stateDir);
    ensurePrivateDir(dir);
    removeExpiredLogs(dir, opts.keepDays ?? 30);
    const file = dailyFile(dir);
    streams.push({ level: level as pino.Level, stream: { write: (line: string) => file.write(redactUrls(line)) } });
  }
  const stderrLevel = (opts.stderrLevel ?? level) as pino.Level;
  const stderr = pino.destination({ dest: 2, sync: true });
  // Readable lines by default, also without a terminal: cron mails stderr to a person.
  const format =
    opts.stderrFormat === 'json' ? (line: string) => line : lineFormatter({ colorize: process.stderr.isTTY === true && !process.env.NO_COLOR });
  // Through a check: once the terminal is gone nothing more is written there (terminal.ts).
  stderr.on('error', detachTerminal);
  const toTerminal = (line: string) => {
    if (terminalGone()) return;
    try {
      const text = format(redactUrls(line));
      // Progress bars on the same terminal: the line is written above them (progress/progress.ts).
      if (routedTerminalLine(text)) return;
      stderr.write(text);
    } catch {
      detachTerminal();
    }
  };
  streams.push({ level: stderrLevel, stream: { write: toTerminal } });
  return pino(
    { level: minLevel(level, stderrLevel), redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { pid: process.pid } },
    pino.multistream(streams),
  );
}

/** A stream writing each line to the log file of the day it is written on (a daemon crosses midnight). */
function dailyFile(dir: string): { write(line: string): void } {
  let day = '';
  let dest: ReturnType<typeof pino.destination> | undefined;
  return {
    write(line: string) {
      const now = logDay(new Date());
      if (now !== day || !dest) {
        dest?.end();
        day = now;
        const file = join(dir, logFileName(day));
        ensurePrivateFile(file);
        dest = pino.destination({ dest: file, sync: true });
      }
      dest.write(line);
    },
  };
}

/** Deletes the log files older than the newest `keepDays` days; a file that will not go is left. */
function removeExpiredLogs(dir: string, keepDays: number): void {
  for (const name of expiredLogFiles(readdirSync(dir), logDay(new Date()), keepDays)) {
    try {
      rmSync(join(dir, name), { force: true });
    } catch {
      // Another pullback removed it first, or the directory is read-only: logging goes on.
    }
  }
}

/** A logger that writes nothing (unit tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

function minLevel(a: string, b: string): string {
  const v = pino.levels.values;
  return (v[a] ?? 30) <= (v[b] ?? 30) ? a : b;
}
