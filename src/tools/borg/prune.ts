// `borg prune` of a host's nightly archives: the names pruned (its --list lines) and what they
// freed (the size table `--stats` prints on stderr, which create and delete print too).
import type { Retention } from '../../config/types.js';
import { LOCK_WAIT, nightlyGlob } from './flags.js';
import { runBorg, type BorgContext, borgFailure } from './run.js';

export function buildPruneArgs(repo: string, host: string, retention: Retention, dryRun = false): string[] {
  const args = ['prune', ...LOCK_WAIT, '--list', '--glob-archives', nightlyGlob(host)];
  if (retention.daily > 0) args.push('--keep-daily', String(retention.daily));
  if (retention.weekly > 0) args.push('--keep-weekly', String(retention.weekly));
  if (retention.monthly > 0) args.push('--keep-monthly', String(retention.monthly));
  // --stats: what the deleted archives held alone (the nightly job compacts when that is worth it).
  args.push(dryRun ? '--dry-run' : '--stats');
  args.push(repo);
  return args;
}

export interface PruneOutcome {
  /** The archives deleted. */
  pruned: string[];
  /** Deduplicated bytes the deleted archives held alone (borg's "Deleted data"), when it said. */
  freedBytes?: number;
  /** Deduplicated size of all archives left (borg's "All archives"), when it said. */
  repositoryBytes?: number;
}

/** Reads one stderr line of `borg prune --list --stats` into `r`: a pruned archive's name, or a size row. */
export function readPruneLine(r: PruneOutcome, line: string): void {
  const m = /^Pruning archive(?: \(\d+\/\d+\))?:\s+(\S+)/.exec(line);
  if (m) r.pruned.push(m[1]!);
  r.freedBytes ??= statsRowDeduplicated(line, 'Deleted data');
  r.repositoryBytes ??= statsRowDeduplicated(line, 'All archives');
}

/** `borg prune` of the host's nightly archives; the names pruned and what they freed. Throws ToolError. */
export async function pruneArchives(ctx: BorgContext, repo: string, host: string, retention: Retention): Promise<PruneOutcome> {
  const r: PruneOutcome = { pruned: [] };
  const out = await runBorg(ctx, buildPruneArgs(repo, host, retention), { onStderrLine: (l) => readPruneLine(r, l) });
  if (out.verdict.kind === 'failed') throw borgFailure(out, `borg prune of ${repo}`);
  return r;
}

const UNITS: Record<string, number> = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, PB: 1e15, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4, PiB: 1024 ** 5 };

/** A size as `borg ... --stats` prints it ("-25.04 kB", "35.85 MB", "0 B"), in bytes (its sign dropped); undefined if not one. */
export function parseBorgSize(text: string): number | undefined {
  const m = /^-?(\d+(?:\.\d+)?) ([kMGTP]i?B|B)$/.exec(text.trim());
  if (!m || UNITS[m[2]!] === undefined) return undefined;
  return Math.round(Number(m[1]) * UNITS[m[2]!]!);
}

/**
 * The deduplicated size of a `--stats` row ("Deleted data:  -207.57 MB  -71.67 MB  -25.04 kB"):
 * its last column; undefined when the line is not that row.
 */
export function statsRowDeduplicated(line: string, row: 'Deleted data' | 'All archives'): number | undefined {
  if (!line.startsWith(`${row}:`)) return undefined;
  const sizes = [...line.slice(row.length + 1).matchAll(/-?\d+(?:\.\d+)? (?:[kMGTP]i?B|B)/g)].map((m) => m[0]);
  return sizes.length === 3 ? parseBorgSize(sizes[2]!) : undefined;
}
