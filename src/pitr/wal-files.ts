// WAL file names and the continuity of a WAL directory, pure: a segment is 24 hex digits (timeline,
// then the segment number in two halves of 16 MB segments), `.partial` while pg_receivewal writes
// it, and `<timeline>.history` files mark a timeline switch.

/** PostgreSQL's default segment size; pullback requires it (pg_receivewal's files are this long). */
export const SEGMENT_BYTES = 16n * 1024n * 1024n;
const SEGMENTS_PER_XLOGID = 0x100000000n / SEGMENT_BYTES;

export interface WalSegment {
  name: string;
  /** The file as it is in the directory (`name` or `name.partial`). */
  file: string;
  timeline: number;
  /** The segment's number (its start LSN / segment size). */
  segno: bigint;
  partial: boolean;
}

/** A segment file name (with or without `.partial`) as its facts, or undefined for any other file. */
export function parseSegmentName(file: string): WalSegment | undefined {
  const m = /^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})(\.partial)?$/.exec(file);
  if (!m) return undefined;
  const segno = BigInt(`0x${m[2]}`) * SEGMENTS_PER_XLOGID + BigInt(`0x${m[3]}`);
  return { name: file.replace(/\.partial$/, ''), file, timeline: parseInt(m[1]!, 16), segno, partial: m[4] !== undefined };
}

/** The segment name of `segno` on `timeline`. */
export function segmentName(timeline: number, segno: bigint): string {
  const hex = (n: bigint | number, w = 8) => n.toString(16).toUpperCase().padStart(w, '0');
  return `${hex(timeline)}${hex(segno / SEGMENTS_PER_XLOGID)}${hex(segno % SEGMENTS_PER_XLOGID)}`;
}

/** The segment number holding `lsn`. */
export function segnoOf(lsn: bigint): bigint {
  return lsn / SEGMENT_BYTES;
}

export interface WalContinuity {
  segments: WalSegment[];
  /** Segment numbers missing between `from` and the newest segment (on any timeline). */
  missing: bigint[];
  /** Timelines present besides the first one (a switch: promoted server, restored main). */
  timelines: number[];
  /** The newest segment (the one being written when partial). */
  newest?: WalSegment;
}

/**
 * The segments of `files` from segment `from` on, sorted, with every segment number missing in
 * between (a gap: the WAL between cannot be replayed). A segment present on a later timeline fills
 * the number (PostgreSQL follows the history file there).
 */
export function walContinuity(files: readonly string[], from?: bigint): WalContinuity {
  const segments = files
    .map(parseSegmentName)
    .filter((s): s is WalSegment => s !== undefined && (from === undefined || s.segno >= from))
    // A completed segment and its stale .partial (left by a killed receiver) are one segment.
    .filter((s, _i, all) => !(s.partial && all.some((o) => !o.partial && o.name === s.name)))
    .sort((a, b) => (a.segno === b.segno ? a.timeline - b.timeline : a.segno < b.segno ? -1 : 1));
  const numbers = [...new Set(segments.map((s) => s.segno))];
  const missing: bigint[] = [];
  const start = from ?? numbers[0];
  if (start !== undefined && numbers.length > 0) {
    const have = new Set(numbers.map(String));
    for (let n = start; n <= numbers[numbers.length - 1]!; n++) if (!have.has(String(n))) missing.push(n);
  }
  const timelines = [...new Set(segments.map((s) => s.timeline))].sort((a, b) => a - b);
  return { segments, missing, timelines: timelines.slice(1), newest: segments.at(-1) };
}

/** Timeline history files (`0000000N.history`) among `files`. */
export function historyFiles(files: readonly string[]): string[] {
  return files.filter((f) => /^[0-9A-F]{8}\.history$/.test(f)).sort();
}

/** A description of missing segments for people: the first few names. */
export function describeMissing(timeline: number, missing: readonly bigint[]): string {
  const names = missing.slice(0, 3).map((n) => segmentName(timeline, n));
  return `${missing.length} WAL segment(s) missing (${names.join(', ')}${missing.length > 3 ? ', ...' : ''})`;
}
