// When the nightly job compacts a repository. `borg compact` frees the segments that prunes left
// partly unused; after a prune that freed next to nothing (a night whose archive differs little
// from the one it replaced: the usual night) it rewrites nothing worth a borg process. So it runs
// when tonight's prune freed a share of the repository worth reclaiming, and otherwise at least
// weekly after any prune, so small frees never pile up. `pullback prune` always compacts.

/** Tonight's prune freed at least this share of the repository's deduplicated size: compact now. */
export const COMPACT_SHARE = 0.01;
/** Otherwise compact when the last compaction is at least this old (and something was pruned). */
export const COMPACT_EVERY_MS = 7 * 24 * 3600_000;

export interface PruneStats {
  /** Archives deleted tonight. */
  pruned: number;
  /** Deduplicated bytes the deleted archives held alone (what compact can free), when borg said. */
  freedBytes?: number;
  /** Deduplicated size of every archive left (the repository's data), when borg said. */
  repositoryBytes?: number;
}

export type CompactDecision = { run: true; why: string } | { run: false; why: string };

/** Whether to compact after tonight's prune; `lastCompact` is when a compaction last succeeded. */
export function decideCompact(p: PruneStats, lastCompact: Date | undefined, now: Date, fmt: (bytes: number) => string): CompactDecision {
  if (p.pruned === 0) return { run: false, why: 'no archive was pruned' };
  if (p.freedBytes === undefined || p.repositoryBytes === undefined) return { run: true, why: 'borg did not say how much the prune freed' };
  const share = p.repositoryBytes > 0 ? p.freedBytes / p.repositoryBytes : 1;
  const freed = `the prune freed ${fmt(p.freedBytes)} of ${fmt(p.repositoryBytes)}`;
  if (share >= COMPACT_SHARE) return { run: true, why: `${freed} (${pct(share)})` };
  if (lastCompact === undefined) return { run: true, why: `${freed}; never compacted` };
  const age = now.getTime() - lastCompact.getTime();
  if (age >= COMPACT_EVERY_MS) return { run: true, why: `${freed}; last compacted ${Math.floor(age / 86_400_000)} days ago` };
  return {
    run: false,
    why: `compact not needed: ${freed} (${pct(share)}, under ${pct(COMPACT_SHARE)}), last compacted ${ago(age)} ago (at least weekly after a prune)`,
  };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(x < 0.001 ? 3 : 1)}%`;
}

function ago(ms: number): string {
  const h = ms / 3600_000;
  return h < 48 ? `${Math.max(0, Math.floor(h))} h` : `${Math.floor(h / 24)} days`;
}
