// Readable log lines from pino's JSON entries, for the terminal, cron mail and `pullback logs`:
// time, level, where (host, step, source), the message, then the other fields on the same line.
import pretty from 'pino-pretty';
import { printable } from '../util/printable.js';

export interface LineFormatOptions {
  /** ANSI colours (a terminal without NO_COLOR). */
  colorize?: boolean;
  /** Prefix the date as well as the time (`pullback logs` spans days). */
  withDate?: boolean;
}

// Shown in the message's prefix, so left out of the trailing fields.
const CONTEXT_KEYS = ['restore', 'host', 'step', 'source'];

/** A function that turns one JSON log line (or parsed entry) into one readable line ending in a newline. */
export function lineFormatter(opts: LineFormatOptions = {}): (entry: string | object) => string {
  return pretty.prettyFactory({
    colorize: opts.colorize ?? false,
    translateTime: opts.withDate ? 'SYS:yyyy-mm-dd HH:MM:ss' : 'SYS:HH:MM:ss',
    ignore: ['pid', 'hostname', ...CONTEXT_KEYS].join(','),
    singleLine: true,
    messageFormat: (log, messageKey) => {
      const where = CONTEXT_KEYS.map((k) => log[k]).filter((v) => v !== undefined && v !== '').join(' ');
      // Messages carry names a main server chose (file names in warnings): one line, no raw escapes.
      const msg = printable(String(log[messageKey] ?? ''));
      return where ? `${printable(where)}: ${msg}` : msg;
    },
  });
}
