// Everything rsync said on stderr, counted by kind with a bounded sample of each: the exit code is
// classified from the counts of every line (a "Permission denied" after a flood of "file has
// vanished" lines still fails), while memory stays bounded however much rsync prints.

/**
 * Kinds of rsync stderr lines: a file that disappeared while copying, a file that got shorter while
 * it was read, rsync's closing summary, anything else (an error).
 */
export type RsyncLineKind = 'vanished' | 'changed' | 'summary' | 'error';

/** Lines kept per kind. */
export const SAMPLE_LINES = 20;

/** Lines of rsync's stderr that report a file that disappeared while rsync was copying it. */
export function isVanishedLine(line: string): boolean {
  return (
    /^file has vanished: /.test(line) ||
    /^rsync: \[sender\] send_files failed to open .*: No such file or directory \(2\)$/.test(line) ||
    /^rsync: \[sender\] readlink_stat\(.*\) failed: No such file or directory \(2\)$/.test(line)
  );
}

/**
 * A file that got shorter while the sender read it: rsync's map_ptr sets ENODATA itself on a short
 * read (a real read error has its own errno, e.g. EIO (5)). The receiver's checksum then fails and
 * the file is sent again from its new state; if that fails too rsync says "update discarded",
 * which stays an error.
 */
export function isChangedLine(line: string): boolean {
  return /^rsync: \[sender\] read errors mapping ".*": No data available \(61\)$/.test(line);
}

/** Lines that are rsync's own closing summary (or blank), not an error about a file. */
export function isSummaryLine(line: string): boolean {
  return /^rsync error: /.test(line) || /^rsync warning: /.test(line) || line.trim() === '';
}

/** The kind of one stderr line. */
export function rsyncLineKind(line: string): RsyncLineKind {
  if (isVanishedLine(line)) return 'vanished';
  if (isChangedLine(line)) return 'changed';
  if (isSummaryLine(line)) return 'summary';
  return 'error';
}

/** Counts every stderr line by kind and keeps the first SAMPLE_LINES of each (and of all lines, in order). */
export class RsyncStderrTally {
  readonly counts: Record<RsyncLineKind, number> = { vanished: 0, changed: 0, summary: 0, error: 0 };
  readonly samples: Record<RsyncLineKind, string[]> = { vanished: [], changed: [], summary: [], error: [] };
  /** The first lines of any kind, in the order rsync printed them (ssh's complaints come first). */
  readonly first: string[] = [];
  /** The last lines of any kind (rsync's closing summary). */
  readonly last: string[] = [];

  constructor(lines: Iterable<string> = []) {
    for (const l of lines) this.push(l);
  }

  push(line: string): void {
    const kind = rsyncLineKind(line);
    this.counts[kind]++;
    if (this.samples[kind].length < SAMPLE_LINES) this.samples[kind].push(line);
    if (this.first.length < SAMPLE_LINES) this.first.push(line);
    this.last.push(line);
    if (this.last.length > SAMPLE_LINES) this.last.shift();
  }

  /** The kept lines, first ones then last ones, each once (for ssh refusal and "No such file" checks). */
  lines(): string[] {
    const total = this.counts.vanished + this.counts.changed + this.counts.summary + this.counts.error;
    const overlap = Math.max(0, this.first.length + this.last.length - total);
    return [...this.first, ...this.last.slice(overlap)];
  }
}

/** pullback-gate's words for an rsync path that does not exist (share/remote/pullback-gate entry_refusal). */
const GATE_MISSING = /^pullback-gate: refused: (['"]).*\1 does not exist$/;

/**
 * Whether rsync's stderr says the listed or pulled directory itself does not exist (not a file
 * vanishing under it); through a restricted key pullback-gate says it, before rsync starts.
 */
export function sourceMissing(stderr: RsyncStderrTally): boolean {
  return stderr.lines().some((l) => (/No such file or directory \(2\)/.test(l) && /change_dir|link_stat/.test(l)) || GATE_MISSING.test(l));
}

