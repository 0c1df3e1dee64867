// The one time stamp format in file and archive names.

/** `YYYYMMDDTHHMMSSZ` (UTC) for `at`: sorts by time, safe in file names and borg globs. */
export function utcStamp(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

/** The UTC time an archive's name ends with (`...-YYYYMMDDTHHMMSSZ`), or undefined when it ends with none. */
export function stampTime(name: string): Date | undefined {
  const m = /(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(name);
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined;
}

/**
 * `YYYY-MM-DDTHH:MM:SSZ`, the time people read (in UTC, and saying so), for a Date or an ISO time:
 * with its zone, or without one as borg prints its times (the local time of this machine). Text
 * that is no time is given back as it came.
 */
export function utcText(at: Date | string): string {
  const d = timeOf(at);
  return d ? utcSeconds(d) : String(at);
}

/** A Date for a Date or a time string (one without a zone read as this machine's local time, as borg writes them); undefined when it is none. */
export function timeOf(at: Date | string): Date | undefined {
  const d = typeof at === 'string' ? new Date(at) : at;
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** `YYYY-MM-DDTHH:MM:SSZ`: the ISO time in UTC to the second. */
export const utcSeconds = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
