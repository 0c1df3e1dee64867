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
