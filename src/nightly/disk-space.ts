// The free-space preflight's arithmetic, pure: from the catalog's history, what each host's mirror
// and repository are expected to grow by tonight, plus the room borg needs to compact (and commit);
// then, per filesystem (a mirror and a repository on the same one are counted once, together),
// whether the usage after that growth stays within max_disk_usage. The hosts with anything on a
// filesystem that would pass it are refused before anything is pulled.
import { describeFilesystem, percent, type FilesystemFacts } from '../util/filesystem.js';
import { humanBytes } from '../util/table.js';

/** Nightly runs (pulls, archives) the estimate looks back over: the largest of them is expected again. */
export const GROWTH_WINDOW = 7;

/** borg 1.2's largest object (MAX_OBJECT_SIZE, ~20 MiB): a full segment can exceed max_segment_size by one. */
export const BORG_MAX_OBJECT = 20 * 1024 * 1024;

export interface SourceHistory {
  name: string;
  /** Bytes of the files the source's recent good pulls transferred (rsync's "total transferred file size"), newest first. */
  transferred: number[];
  /** The source's size at its last good pull (what its mirror holds), if it ever had one. */
  size?: number;
}

export interface HostHistory {
  host: string;
  sources: SourceHistory[];
  /** Deduplicated sizes (what each added to the repository) of the host's recent archives, newest first. */
  archiveGrowth: number[];
  /** Bytes good pulls transferred after the host's newest archive (a night whose archive failed): tonight's archive takes them too. */
  unarchived: number;
}

/** What borg needs beyond the new data, from the repository's own files. */
export interface RepoFacts {
  path: string;
  /** Bytes of its segment files (0 for a repository not created yet). */
  dataBytes: number;
  /** Its config's max_segment_size. */
  maxSegmentSize: number;
  /** Its config's additional_free_space (borg keeps that much free; 0 unless set). */
  additionalFreeSpace: number;
  /** Bytes of its newest index file. */
  indexBytes: number;
}

export interface Estimate {
  bytes: number;
  /** How the number was found, for people. */
  basis: string;
  /** Why (part of) it is unknown, said in the verdict (a first pull, no archive yet). */
  unknown?: string;
}

const largest = (xs: readonly number[]) => xs.slice(0, GROWTH_WINDOW).reduce((m, x) => Math.max(m, x), 0);

/**
 * The mirror's expected growth: per source, the largest of its last pulls' transferred file sizes
 * (each changed file is written whole beside the old one before it replaces it). A source never
 * pulled has no history: counted as 0 and said (its first pull can be as large as the source).
 */
export function mirrorGrowth(h: HostHistory): Estimate {
  const known = h.sources.filter((s) => s.transferred.length > 0);
  const unknownNames = h.sources.filter((s) => s.transferred.length === 0).map((s) => s.name);
  const bytes = known.reduce((n, s) => n + largest(s.transferred), 0);
  const basis = known.length > 0 ? `largest pull of the last ${GROWTH_WINDOW}` : 'no earlier pull';
  const unknown = unknownNames.length > 0 ? `no earlier pull of ${unknownNames.join(', ')}, so its size is unknown and counted as 0 (a first pull can be as large as the source)` : undefined;
  return { bytes, basis, unknown };
}

/**
 * The repository's expected growth: the largest deduplicated size of the host's last archives,
 * plus (uncompressed) what was pulled since the newest one and never archived (its archive failed,
 * e.g. on a full repository). Without any archive, conservatively the whole mirror as if nothing
 * deduplicated or compressed: the sources' last pulled sizes plus tonight's expected pull.
 */
export function repositoryGrowth(h: HostHistory, mirror: Estimate): Estimate {
  if (h.archiveGrowth.length > 0) {
    const pending = h.unarchived > 0 ? ` + ${humanBytes(h.unarchived)} pulled since the last archive` : '';
    return { bytes: largest(h.archiveGrowth) + h.unarchived, basis: `largest archive growth of the last ${GROWTH_WINDOW}${pending}` };
  }
  const size = h.sources.reduce((n, s) => n + (s.size ?? 0), 0) + mirror.bytes;
  return { bytes: size, basis: 'no earlier archive: the whole mirror, uncompressed' };
}

/**
 * Room borg needs in the repository's filesystem besides the new data: compact rewrites the live
 * part of sparse segments into new ones before it deletes them (up to a full segment: at most the
 * repository's data), a commit needs about four times the index, and additional_free_space is kept.
 */
export function compactRoom(r: RepoFacts): Estimate {
  const segment = Math.min(r.maxSegmentSize + BORG_MAX_OBJECT, r.dataBytes);
  const bytes = segment + 4 * r.indexBytes + r.additionalFreeSpace;
  const extra = r.additionalFreeSpace > 0 ? ` + additional_free_space ${humanBytes(r.additionalFreeSpace)}` : '';
  return { bytes, basis: `a segment rewrite ${humanBytes(segment)} + a commit reserve ${humanBytes(4 * r.indexBytes)} (4 × the ${humanBytes(r.indexBytes)} index)${extra}` };
}

/** One thing expected to grow on a filesystem. */
export interface SpaceNeed {
  /** The hosts refused when this filesystem is too full (a shared repository names every host on it). */
  hosts: string[];
  /** For people: "mirror of web1", "repository /srv/borg/web1", "room for borg compact of /srv/borg/web1". */
  what: string;
  /** The filesystem it is on (its device). */
  dev: number;
  estimate: Estimate;
}

export interface FilesystemVerdict {
  fs: FilesystemFacts;
  needs: SpaceNeed[];
  growth: number;
  /** The usage after the expected growth (may exceed 1). */
  usageAfter: number;
  ok: boolean;
  /** The refusal, naming the filesystem, its size, used, free, the growth and the limit; set when not ok. */
  message?: string;
}

/**
 * Each filesystem once, with everything expected to grow on it: refused when the usage after the
 * growth would pass `maxUsage` (0..1), or the growth exceeds the free space.
 */
export function judgeDiskSpace(filesystems: ReadonlyMap<number, FilesystemFacts>, needs: readonly SpaceNeed[], maxUsage: number): FilesystemVerdict[] {
  const out: FilesystemVerdict[] = [];
  for (const [dev, fs] of filesystems) {
    const mine = needs.filter((n) => n.dev === dev);
    if (mine.length === 0) continue;
    const growth = mine.reduce((n, x) => n + x.estimate.bytes, 0);
    // The space writers can use stays used + free: the growth moves from one to the other.
    const usageAfter = fs.used + fs.free === 0 ? 1 : (fs.used + growth) / (fs.used + fs.free);
    const ok = growth <= fs.free && usageAfter <= maxUsage;
    const parts = mine.map((n) => `${n.what} ${humanBytes(n.estimate.bytes)} (${n.estimate.basis})`).join(' + ');
    const message = ok
      ? undefined
      : `not enough disk space: ${describeFilesystem(fs)}; expected growth tonight ${humanBytes(growth)} = ${parts}; ` +
        `that would bring it to ${growth > fs.free ? 'more than full' : percent(usageAfter)}, past max_disk_usage ${percent(maxUsage)}. ` +
        `Nothing was pulled, archived, pruned or deleted; free space on ${fs.mount} (or raise max_disk_usage) and run again`;
    out.push({ fs, needs: mine, growth, usageAfter, ok, message });
  }
  return out;
}

/** The refusal of each host with something on a filesystem that failed the preflight (every such filesystem named). */
export function refusedHosts(verdicts: readonly FilesystemVerdict[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of verdicts) {
    if (v.ok) continue;
    for (const host of new Set(v.needs.flatMap((n) => n.hosts))) out.set(host, out.has(host) ? `${out.get(host)}; ${v.message}` : v.message!);
  }
  return out;
}
