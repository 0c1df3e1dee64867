// Binary log file names and the continuity of a folder of received logs, pure: the server names
// its logs `<base>.<number>` (`mysql-bin.000042`), numbered without holes; a missing number between
// a starting file and the newest is a gap (its events cannot be replayed).

export interface BinlogFile {
  name: string;
  base: string;
  seq: number;
}

/** A binary log name (`mysql-bin.000042`) as its facts, or undefined for any other file (the index, a temporary file). */
export function parseBinlogName(file: string): BinlogFile | undefined {
  const m = /^(.+)\.(\d{6,})$/.exec(file);
  if (!m || m[1]!.endsWith('.index')) return undefined;
  return { name: file, base: m[1]!, seq: Number(m[2]) };
}

/** The name of number `seq` with `base`, as the server writes it (6 digits at least). */
export function binlogName(base: string, seq: number): string {
  return `${base}.${String(seq).padStart(6, '0')}`;
}

export interface BinlogContinuity {
  /** The logs from the starting one on, oldest first. */
  files: BinlogFile[];
  /** Names missing between the starting log and the newest. */
  missing: string[];
  newest?: BinlogFile;
}

/** The logs of `files` from `from` (a log name) on, sorted, with every one missing in between (from included). */
export function binlogContinuity(files: readonly string[], from?: string): BinlogContinuity {
  const start = from ? parseBinlogName(from) : undefined;
  const all = files.map(parseBinlogName).filter((f): f is BinlogFile => f !== undefined && (!start || (f.base === start.base && f.seq >= start.seq)));
  const logs = [...new Map(all.map((f) => [f.seq, f])).values()].sort((a, b) => a.seq - b.seq);
  const missing: string[] = [];
  const first = start?.seq ?? logs[0]?.seq;
  const last = logs.at(-1)?.seq;
  if (first !== undefined && last !== undefined) {
    const have = new Set(logs.map((f) => f.seq));
    const base = start?.base ?? logs[0]!.base;
    for (let n = first; n <= last; n++) if (!have.has(n)) missing.push(binlogName(base, n));
  } else if (start) missing.push(start.name);
  return { files: logs, missing, ...(logs.length ? { newest: logs.at(-1)! } : {}) };
}

/** A position in the server's log as one ordered number: the log's number, then the offset in it. */
export function binlogOrdinal(file: string, position: number): bigint {
  const f = parseBinlogName(file);
  return BigInt(f?.seq ?? 0) * 2n ** 40n + BigInt(position);
}

/** Missing logs for people: the first few names. */
export function describeMissingBinlogs(missing: readonly string[]): string {
  return `${missing.length} binary log(s) missing (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', ...' : ''})`;
}
