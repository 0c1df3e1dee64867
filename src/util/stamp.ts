// The one time stamp format in file and archive names.

/** `YYYYMMDDTHHMMSSZ` (UTC) for `at`: sorts by time, safe in file names and borg globs. */
export function utcStamp(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}
