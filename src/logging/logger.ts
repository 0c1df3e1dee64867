// pino logging: JSON lines to <state_dir>/logs/pullback-YYYY-MM-DD.log and to stderr (pretty on a
// terminal). Redaction is on for every key that could carry a secret.
import { ensurePrivateDir, ensurePrivateFile } from '../util/private.js';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import { detachTerminal, terminalGone } from './terminal.js';

export type { Logger } from 'pino';

export const REDACT_PATHS = [
  'passphrase',
  'password',
  'secret',
  'env.BORG_PASSPHRASE',
  'env.PGPASSWORD',
  'env.MYSQL_PWD',
  '*.passphrase',
  '*.password',
  '*.secret',
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
}

/** A root logger writing to the state directory's log file and to stderr. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? 'info';
  const streams: pino.StreamEntry[] = [];
  if (opts.stateDir) {
    const dir = join(opts.stateDir, 'logs');
    ensurePrivateDir(opts.stateDir);
    ensurePrivateDir(dir);
    const day = new Date().toISOString().slice(0, 10);
    const file = join(dir, `pullback-${day}.log`);
    ensurePrivateFile(file);
    streams.push({ level: level as pino.Level, stream: pino.destination({ dest: file, sync: true }) });
  }
  const stderrLevel = (opts.stderrLevel ?? level) as pino.Level;
  const stderr = process.stderr.isTTY
    ? pretty({ destination: 2, sync: true, colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' })
    : pino.destination({ dest: 2, sync: true });
  // Through a check: once the terminal is gone nothing more is written there (terminal.ts).
  stderr.on('error', detachTerminal);
  const toTerminal = (line: string) => {
    if (terminalGone()) return;
    try {
      stderr.write(line);
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

/** A logger that writes nothing (unit tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

function minLevel(a: string, b: string): string {
  const v = pino.levels.values;
  return (v[a] ?? 30) <= (v[b] ?? 30) ? a : b;
}
