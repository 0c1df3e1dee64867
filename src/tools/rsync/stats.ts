// Parsing rsync's --stats block (printed with --no-human-readable: plain digits). Pulls with
// --info=progress2 interleave progress lines before it; they are never taken for statistics.
import { parseRsyncProgress } from './progress.js';

export interface RsyncStats {
  files: number;
  filesTransferred: number;
  totalSize: number;
  transferredSize: number;
  bytesReceived: number;
  bytesSent: number;
  deleted: number;
  /** Device files on the sender (`dev:` in "Number of files"), which a pull never copies. */
  devices: number;
}

const FIELDS: Array<[RegExp, keyof RsyncStats]> = [
  [/^Number of files: ([\d,.]+)/, 'files'],
  [/^Number of files: .*\bdev: ([\d,.]+)/, 'devices'],
  [/^Number of regular files transferred: ([\d,.]+)/, 'filesTransferred'],
  [/^Number of deleted files: ([\d,.]+)/, 'deleted'],
  [/^Total file size: ([\d,.]+) bytes/, 'totalSize'],
  [/^Total transferred file size: ([\d,.]+) bytes/, 'transferredSize'],
  [/^Total bytes sent: ([\d,.]+)/, 'bytesSent'],
  [/^Total bytes received: ([\d,.]+)/, 'bytesReceived'],
];

/** Accumulates stats from rsync's stdout, one line at a time (so output is never buffered whole). */
export class RsyncStatsCollector {
  readonly stats: RsyncStats = { files: 0, filesTransferred: 0, totalSize: 0, transferredSize: 0, bytesReceived: 0, bytesSent: 0, deleted: 0, devices: 0 };

  push(line: string): void {
    if (parseRsyncProgress(line)) return;
    for (const [re, key] of FIELDS) {
      const m = re.exec(line);
      if (m) this.stats[key] = Number(m[1]!.replace(/[,.]/g, ''));
    }
  }
}
