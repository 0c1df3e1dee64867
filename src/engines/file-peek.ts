// Reading the first or last bytes of a local dump file: format detection and completion trailers.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** Up to `bytes` bytes from the start of `file`; throws on I/O errors. */
export function readHead(file: string, bytes: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Up to `bytes` bytes from the end of `file`; throws on I/O errors. */
export function readTail(file: string, bytes: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - bytes);
    const buf = Buffer.alloc(size - start);
    const n = readSync(fd, buf, 0, buf.length, start);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** The last non-blank lines of `file` (read from its last 4 KiB). */
export function lastLines(file: string, count: number): string[] {
  const lines = readTail(file, 4096).toString('utf8').split('\n').map((l) => l.replace(/\r$/, ''));
  return lines.filter((l) => l.trim() !== '').slice(-count);
}

/** Problem text when none of the last lines of a SQL dump starts with `trailer`, else undefined. */
export function checkTrailer(file: string, trailer: string, what: string): string | undefined {
  const tail = lastLines(file, 3);
  if (tail.some((l) => l.startsWith(trailer))) return undefined;
  const last = tail.at(-1);
  return `${what} is incomplete: it does not end with "${trailer}"${last ? ` (last line: ${JSON.stringify(last.slice(0, 80))})` : ' (empty file)'}`;
}
