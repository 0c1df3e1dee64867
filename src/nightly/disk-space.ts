// The free-space preflight's arithmetic, pure: from the catalog's history, what each host's mirror
// and repository are expected to grow by tonight, plus the room borg needs to compact (and commit);
// then, per filesystem (a mirror and a repository on the same one are counted once, together),
// whether the usage after that growth stays within max_disk_usage. The hosts with anything on a
// filesystem that would pass it are refused before anything is pulled.
import { describeFilesystem, percent, type FilesystemFacts } from '../util/filesystem.js';
import { bucketsFor, indexFileBytes } from '../tools/borg/repo-files.js';
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
  /** The index's header: objects, buckets, bytes per bucket (absent: no index yet, or unreadable). */
  index?: { entries: number; buckets: number; bucketBytes: number };
  /** Segment files (committed or not). */
  segmentCount?: number;
  /** Segments the hints file says hold freed space (they wait for compaction): each one's file size and bytes freed. */
  compactable?: Array<{ segment: number; size: number; free: number }>;
}

/**
 * borg 1.2 (repository.py check_free_space) before every commit, compaction included: free space for
 * 4 × its index, the hints, additional_free_space, and working room for compaction: the live bytes
 * of the segments waiting for it while fewer than 10 do, else a whole segment (max_segment_size +
 * its largest object) whatever the repository's size.
 */
export const BORG_FULL_SEGMENT_AT = 10;
/**
 * Segments tonight's borg create adds to those waiting for compaction before its commit checks the
 * free space (measured, borg 1.2.4: a create leaves 3 more waiting, the third after its check; with 7
 * waiting it committed needing no whole segment, with 10 it demanded one). A prune that deletes an
 * archive adds more before its own check: it may then demand the whole segment when the archive did
 * not (it fails, naming borg's figure; the archive is kept).
 */
export const TONIGHT_COMPACTABLE = 2;
/**
 * Bytes a new object costs in the segments beyond what borg counts as its deduplicated size: the
 * segment entry's header (41), and the archive's item metadata per file (measured, borg 1.2.4:
 * 106 to 157 bytes a new object, repokey and none, 16 B to 200 KB files).
 */
export const OBJECT_OVERHEAD = 160;
/** The per-object costs certain in every repository (segment entry header and a MAC/IV envelope), to tell objects from their data. */
const OBJECT_OVERHEAD_MIN = 82;
/** An object's size where the repository has none yet to average over (borg's chunker makes files under 512 KiB one chunk each). */
const FIRST_OBJECT_BYTES = 16 * 1024;
/**
 * What a night's write transaction adds besides objects: a new segment file, the new hints and
 * integrity files beside the old ones, the lock (measured: an unchanged archive grows a tmpfs
 * repository by 16 KiB, 20 KiB at its peak); four times that.
 */
export const BORG_FIXED_OVERHEAD = 64 * 1024;

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
 * Room borg needs in the repository's filesystem besides tonight's deduplicated data (`growth`, the
 * archives' expected growth), as borg itself demands it at each commit (check_free_space) and as
 * its writes use it:
 * - working room for compaction: a whole segment (max_segment_size + its largest object) once
 *   BORG_FULL_SEGMENT_AT segments wait for compaction, counting the TONIGHT_COMPACTABLE tonight's
 *   archive adds (whatever the repository's size: a filesystem smaller than that never gives it, and
 *   only a smaller max_segment_size, `borg config`, lets borg write again); else one segment's
 *   rewrite by compact (which a prune may owe tonight), at most the repository's data;
 * - a commit reserve of 4 × the index as it will be after tonight's objects (the hash table grows
 *   by steps: 4099 to 8209 buckets of 40 bytes is 656 KiB more reserve), plus the hints;
 * - tonight's objects' own overhead in the segments (OBJECT_OVERHEAD each, beyond the deduplicated
 *   size), the transaction's fixed files (BORG_FIXED_OVERHEAD) and additional_free_space.
 * Tonight's objects are counted from the repository's own mix: its objects per deduplicated byte.
 */
export function borgRoom(r: RepoFacts, growth: number): Estimate {
  const full = r.maxSegmentSize + BORG_MAX_OBJECT;
  const waiting = r.compactable ?? [];
  const waitingAfter = waiting.length + TONIGHT_COMPACTABLE;
  let work: number;
  let workSaid: string;
  if (waitingAfter >= BORG_FULL_SEGMENT_AT) {
    work = full;
    workSaid =
      `a whole free segment ${humanBytes(full)} (max_segment_size ${humanBytes(r.maxSegmentSize)} + borg's largest object: borg demands it at every commit once ${BORG_FULL_SEGMENT_AT} segments wait for compaction; ` +
      `${waiting.length} wait and tonight's archive adds about ${TONIGHT_COMPACTABLE}; a smaller max_segment_size lowers it: borg config ${r.path} max_segment_size SIZE)`;
  } else {
    work = Math.min(full, r.dataBytes);
    workSaid = `a segment rewrite ${humanBytes(work)} (${waiting.length} segment(s) wait for compaction; a whole segment, ${humanBytes(full)}, once ${BORG_FULL_SEGMENT_AT} do)`;
  }
  const ix = r.index;
  const perObject = ix && ix.entries > 0 ? Math.max((r.dataBytes - OBJECT_OVERHEAD_MIN * ix.entries) / ix.entries, 16) : FIRST_OBJECT_BYTES;
  const objects = growth > 0 ? Math.ceil(growth / perObject) : 0;
  const indexAfter = ix ? indexFileBytes(bucketsFor(ix.entries + objects + 8, ix.buckets), ix.bucketBytes) : Math.max(r.indexBytes, indexFileBytes(bucketsFor(objects + 8, 0), 40));
  const hints = 10 * ((r.segmentCount ?? 0) + waitingAfter + 4);
  const reserve = 4 * indexAfter + hints;
  const overhead = objects * OBJECT_OVERHEAD;
  const bytes = work + reserve + overhead + BORG_FIXED_OVERHEAD + r.additionalFreeSpace;
  const extra = r.additionalFreeSpace > 0 ? ` + additional_free_space ${humanBytes(r.additionalFreeSpace)}` : '';
  return {
    bytes,
    basis:
      `${workSaid} + a commit reserve ${humanBytes(reserve)} (4 × the index after tonight's ~${objects} new objects, ${humanBytes(indexAfter)}, + hints) + ` +
      `${humanBytes(overhead)} for those objects' headers and metadata + ${humanBytes(BORG_FIXED_OVERHEAD)} for the transaction's own files${extra}`,
  };
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
