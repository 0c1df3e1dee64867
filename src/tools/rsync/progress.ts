// Parsing rsync's --info=progress2 lines (whole-transfer progress, rewritten in place with \r; the
// exec layer hands each \r-separated piece over as a line). With --no-human-readable the byte count
// is plain digits: `   1048576  42%   10.00MB/s    0:00:01 (xfr#3, to-chk=5/12)`.

export interface RsyncProgress {
  /** Bytes transferred so far (the whole pull). */
  bytes: number;
  /** rsync's estimate of the share done (it grows as the file list does). */
  percent: number;
  /** Files transferred so far (xfr#), when rsync said. */
  files?: number;
  /** Files still to check and the files known so far (to-chk= or ir-chk=), when rsync said. */
  toCheck?: number;
  total?: number;
}

const LINE = /^\s*(\d[\d,.]*)\s+(\d{1,3})%\s+\S+\s+\d+:\d{2}:\d{2}(?:\s+\(xfr#(\d+), (?:to|ir)-chk=(\d+)\/(\d+)\))?\s*$/;

/** The progress in a --info=progress2 line; undefined for any other line (stats, file names, blanks). */
export function parseRsyncProgress(line: string): RsyncProgress | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  const p: RsyncProgress = { bytes: Number(m[1]!.replace(/[,.]/g, '')), percent: Number(m[2]) };
  if (m[3] !== undefined) Object.assign(p, { files: Number(m[3]), toCheck: Number(m[4]), total: Number(m[5]) });
  return p;
}
