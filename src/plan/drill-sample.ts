// Which files a drill restores: a seeded random sample of the archive's regular files, plus every
// database dump the archive's manifest lists (dumps are always drilled, whatever the sample size).
import { UsageError } from '../errors.js';
import { randomIndex, type Random } from './drill-random.js';

/** Top-level folder of the archive that holds pullback's own files (the manifest). */
export const INTERNAL_DIR = '.pullback';

export interface SampleRequest {
  /** Files to sample (--sample N). */
  sample?: number;
  /** Percentage of the archive's regular files to sample (--percent P). */
  percent?: number;
}

/** Validates --sample / --percent (exclusive; N >= 1, 0 < P <= 100); throws UsageError. */
export function parseSampleRequest(sample: string | undefined, percent: string | undefined): SampleRequest {
  if (sample !== undefined && percent !== undefined) throw new UsageError('use either --sample or --percent, not both');
  if (sample !== undefined) {
    if (!/^\d+$/.test(sample) || Number(sample) < 1) throw new UsageError(`--sample needs a whole number of files >= 1, not '${sample}'`);
    return { sample: Number(sample) };
  }
  if (percent !== undefined) {
    const p = Number(percent);
    if (!/^\d+(\.\d+)?$/.test(percent) || p <= 0 || p > 100) throw new UsageError(`--percent needs a number in (0, 100], not '${percent}'`);
    return { percent: p };
  }
  return {};
}

/** How many of `total` candidates to sample: the request, else `defaultSample`; never more than `total`. */
export function sampleSize(total: number, req: SampleRequest, defaultSample: number): number {
  if (total === 0) return 0;
  if (req.percent !== undefined) return Math.min(total, Math.max(1, Math.ceil((total * req.percent) / 100)));
  return Math.min(total, req.sample ?? defaultSample);
}

/**
 * Whether an archive item may be sampled: a regular file outside pullback's own folder and not a
 * dump. borg 1.2 lists the further names of a hard-linked file as type '-' with mode 'h...' and no
 * content of their own; only the name holding the content is a candidate.
 */
export function isSampleCandidate(item: { type: string; path: string; mode?: string }, dumps: ReadonlySet<string>): boolean {
  return item.type === '-' && !item.mode?.startsWith('h') && !isInternalPath(item.path) && !dumps.has(item.path);
}

export function isInternalPath(path: string): boolean {
  return path === INTERNAL_DIR || path.startsWith(`${INTERNAL_DIR}/`);
}

/**
 * `k` distinct items of `items`, chosen with `rand` (partial Fisher–Yates over the items sorted by
 * path, so the choice depends only on the set of paths and the seed), returned sorted by path.
 */
export function pickSample<T extends { path: string }>(items: readonly T[], k: number, rand: Random): T[] {
  const pool = [...items].sort((a, b) => compare(a.path, b.path));
  const n = Math.min(k, pool.length);
  for (let i = 0; i < n; i++) {
    const j = i + randomIndex(rand, pool.length - i);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, n).sort((a, b) => compare(a.path, b.path));
}

export interface ManifestDumps {
  sources: Array<{ name: string; dumps?: Array<{ file: string }> }>;
}

/** Archive paths of every dump in a manifest: `<source name>/<dump file>`. */
export function dumpPaths(manifest: ManifestDumps | undefined): string[] {
  const out: string[] = [];
  for (const s of manifest?.sources ?? []) {
    for (const d of s.dumps ?? []) out.push(dumpArchivePath(s.name, d.file));
  }
  return out;
}

/** Archive path of a dump file recorded relative to its source's directory. */
export function dumpArchivePath(source: string, file: string): string {
  return `${source}/${file.replace(/^(\.\/)+/, '')}`;
}

/** Splits an archive path into its source (first component) and the path inside that source. */
export function splitArchivePath(path: string): { source: string; rest: string } {
  const i = path.indexOf('/');
  return i < 0 ? { source: path, rest: '' } : { source: path.slice(0, i), rest: path.slice(i + 1) };
}

/** Code-unit order (not locale), so sorting is the same on every machine. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
