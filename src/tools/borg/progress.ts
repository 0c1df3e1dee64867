// Reading borg's stderr under --log-json: progress as JSON objects (archive_progress from
// `borg create --progress`), log messages as JSON too (unwrapped to their text, so the error lines
// and the warning verdict read as without --log-json).

export interface BorgCreateProgress {
  /** Bytes read so far (original size), and what they came to compressed and deduplicated. */
  originalSize: number;
  compressedSize: number;
  deduplicatedSize: number;
  nfiles: number;
  path: string;
  finished: boolean;
}

export type BorgLogLine =
  | { kind: 'progress'; progress: BorgCreateProgress }
  | { kind: 'message'; text: string }
  /** A --list line (`{"type": "file_status", "status": "A", "path": ...}`), as borg prints it without --log-json. */
  | { kind: 'file'; text: string }
  /** Other progress objects (progress_message, progress_percent): nothing for people or the verdict. */
  | { kind: 'other' };

/** One --log-json stderr line read; undefined when it is not a JSON object (borg printed plain text). */
export function parseBorgLogLine(line: string): BorgLogLine | undefined {
  if (!line.startsWith('{')) return undefined;
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof o !== 'object' || o === null || typeof o.type !== 'string') return undefined;
  const num = (k: string) => (typeof o[k] === 'number' ? (o[k] as number) : 0);
  if (o.type === 'archive_progress') {
    return {
      kind: 'progress',
      progress: {
        originalSize: num('original_size'),
        compressedSize: num('compressed_size'),
        deduplicatedSize: num('deduplicated_size'),
        nfiles: num('nfiles'),
        path: typeof o.path === 'string' ? o.path : '',
        finished: o.finished === true,
      },
    };
  }
  if (o.type === 'log_message') return { kind: 'message', text: typeof o.message === 'string' ? o.message : line };
  if (o.type === 'file_status' && typeof o.status === 'string' && typeof o.path === 'string') return { kind: 'file', text: `${o.status} ${o.path}` };
  if (o.type.startsWith('progress_')) return { kind: 'other' };
  return undefined;
}
