// The free-space preflight of `pullback run`: before any host starts, every filesystem holding a
// mirror or a repository of the run's hosts is measured (statfs) and judged once against the
// expected growth (nightly/disk-space.ts). A host with anything on a filesystem that would pass
// max_disk_usage is refused before its lock, its pulls or its repository are touched; hosts on
// other filesystems run. Each host records the verdict as its `disk_space` step.
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Catalog } from '../catalog/catalog.js';
import { hostGrowthHistory } from './growth.js';
import { repositoryPath, type GlobalConfig, type HostConfig } from '../config/types.js';
import { borgRoom, GROWTH_WINDOW, judgeDiskSpace, mirrorGrowth, refusedHosts, repositoryGrowth, type FilesystemVerdict, type RepoFacts, type SpaceNeed } from './disk-space.js';
import { filesystemOf, type FilesystemFacts } from '../util/filesystem.js';
import { hostMirrorDir, recordStep, type HostContext } from '../job/context.js';
import { compactRepo } from '../tools/borg/compact.js';
import { INDEX_HEADER_BYTES, parseHintsCompact, parseIndexHeader } from '../tools/borg/repo-files.js';
import type { BorgContext } from '../tools/borg/run.js';
import { describeError } from '../errors.js';
import { acceptCommand, compareWithCatalog } from '../archive/vanished.js';
import { acceptedRollbackUnwritten, unresolvedVanishedInRepo } from '../catalog/vanished.js';
import { humanBytes } from '../util/table.js';

export interface DiskPreflight {
  verdicts: FilesystemVerdict[];
  /** Each refused host's message. */
  refused: Map<string, string>;
  /** What the estimate could not know (no history), said in each host's step. */
  notes: Map<string, string[]>;
}

/** borg 1.2's default max_segment_size (500 MiB). */
const DEFAULT_SEGMENT = 524_288_000;

/** Measures and judges the filesystems of `hosts`' mirrors and repositories; never throws (an unmeasurable path is logged and left out). */
export function diskPreflight(global: GlobalConfig, hosts: readonly HostConfig[], catalog: Catalog, logger: Logger): DiskPreflight {
  const filesystems = new Map<number, FilesystemFacts>();
  const notes = new Map<string, string[]>(hosts.map((h) => [h.name, []]));
  const note = (hostNames: string[], text: string) => hostNames.forEach((h) => notes.get(h)?.push(text));
  const measure = (path: string, hostNames: string[]): number | undefined => {
    try {
      const fs = filesystemOf(path);
      if (!filesystems.has(fs.dev)) filesystems.set(fs.dev, fs);
      return fs.dev;
    } catch (e) {
      const text = `the filesystem of ${path} could not be measured (${(e as Error).message}): not checked`;
      logger.warn(text);
      note(hostNames, text);
      return undefined;
    }
  };
  const needs: SpaceNeed[] = [];
  const repos = new Map<string, string[]>();
  // Tonight's expected growth of each repository (its hosts' archives): borg's room depends on it (tonight's objects).
  const repoGrowth = new Map<string, number>();
  for (const host of hosts) {
    const repo = repositoryPath(global, host.name);
    repos.set(repo, [...(repos.get(repo) ?? []), host.name]);
    const history = hostGrowthHistory(catalog, repo, host.name, host.sources.map((s) => s.name), GROWTH_WINDOW);
    const mirror = mirrorGrowth(history);
    const repository = repositoryGrowth(history, mirror);
    repoGrowth.set(repo, (repoGrowth.get(repo) ?? 0) + repository.bytes);
    for (const e of [mirror, repository]) if (e.unknown) note([host.name], e.unknown);
    const mirrorDev = measure(hostMirrorDir(global, host.name), [host.name]);
    if (mirrorDev !== undefined) needs.push({ hosts: [host.name], what: `mirror of ${host.name}`, dev: mirrorDev, estimate: mirror });
    const repoDev = measure(repo, [host.name]);
    if (repoDev !== undefined) needs.push({ hosts: [host.name], what: `archive of ${host.name}`, dev: repoDev, estimate: repository });
  }
  for (const [repo, hostNames] of repos) {
    const dev = measure(repo, hostNames);
    if (dev !== undefined) needs.push({ hosts: hostNames, what: `room for borg in ${repo}`, dev, estimate: borgRoom(repoFacts(repo), repoGrowth.get(repo) ?? 0) });
  }
  const verdicts = judgeDiskSpace(filesystems, needs, global.maxDiskUsage);
  return { verdicts, refused: refusedHosts(verdicts), notes };
}

/** Records the preflight's verdict for `ctx.host` as its `disk_space` step; returns the refusal, or undefined when the host may run. */
export async function recordDiskSpace(ctx: HostContext, pre: DiskPreflight): Promise<string | undefined> {
  const host = ctx.host.name;
  const refusal = pre.refused.get(host);
  const mine = pre.verdicts.filter((v) => v.needs.some((n) => n.hosts.includes(host)));
  const notes = pre.notes.get(host) ?? [];
  for (const n of notes) ctx.logger.warn(`disk space: ${n}`);
  const details = {
    maxDiskUsage: ctx.global.maxDiskUsage,
    filesystems: mine.map((v) => ({
      mount: v.fs.mount,
      type: v.fs.type,
      size: v.fs.size,
      used: v.fs.used,
      free: v.fs.free,
      growth: v.growth,
      usageAfter: v.usageAfter,
      ok: v.ok,
      needs: v.needs.map((n) => ({ what: n.what, bytes: n.estimate.bytes, basis: n.estimate.basis })),
    })),
    ...(notes.length > 0 ? { notes } : {}),
  };
  await recordStep(ctx, 'disk_space', undefined, async () => (refusal ? { status: 'failed', error: refusal, details } : { status: 'ok', details }));
  return refusal;
}

/** The repository's own numbers borg's free-space needs depend on; defaults for one not created (or readable) yet. Never throws. */
export function repoFacts(path: string): RepoFacts {
  const facts: RepoFacts = { path, dataBytes: 0, maxSegmentSize: DEFAULT_SEGMENT, additionalFreeSpace: 0, indexBytes: 0 };
  let config: string;
  try {
    config = readFileSync(join(path, 'config'), 'utf8');
  } catch {
    return facts;
  }
  const value = (key: string) => new RegExp(`^\\s*${key}\\s*=\\s*(\\S+)\\s*$`, 'm').exec(config)?.[1];
  facts.maxSegmentSize = borgSize(value('max_segment_size')) ?? DEFAULT_SEGMENT;
  facts.additionalFreeSpace = borgSize(value('additional_free_space')) ?? 0;
  const entries = safeReaddir(path);
  const index = entries.filter((e) => /^index\.\d+$/.test(e)).sort((a, b) => Number(b.slice(6)) - Number(a.slice(6)))[0];
  if (index) {
    facts.indexBytes = sizeOf(join(path, index));
    const header = headOf(join(path, index), INDEX_HEADER_BYTES);
    const parsed = header ? parseIndexHeader(header) : undefined;
    if (parsed) facts.index = parsed;
    // The hints of the same transaction: the segments waiting for compaction.
    const compact = readOr(join(path, `hints.${index.slice(6)}`), parseHintsCompact);
    if (compact) facts.compactable = [...compact].map(([segment, free]) => ({ segment, size: 0, free }));
  }
  const data = join(path, 'data');
  const sizes = new Map<number, number>();
  for (const dir of safeReaddir(data))
    for (const seg of safeReaddir(join(data, dir))) {
      const size = sizeOf(join(data, dir, seg));
      facts.dataBytes += size;
      if (/^\d+$/.test(seg)) sizes.set(Number(seg), size);
    }
  facts.segmentCount = sizes.size;
  // A segment the hints name that is gone (compacted since) waits for nothing.
  if (facts.compactable) facts.compactable = facts.compactable.filter((c) => sizes.has(c.segment)).map((c) => ({ ...c, size: sizes.get(c.segment)! }));
  return facts;
}

/** Segment files above the repository's last commit: what a write that failed or was killed left. */
export interface Uncommitted {
  segments: number;
  bytes: number;
}

/**
 * The segment files numbered above the last committed transaction (borg's `index.N`) and their
 * size: data of an archive that was never committed (borg create ran out of space, or was killed),
 * which no archive references and only a later write transaction of borg deletes. Zero when the
 * repository has no index yet or cannot be read. Never throws.
 */
export function uncommittedSegments(path: string): Uncommitted {
  const out = { segments: 0, bytes: 0 };
  const committed = safeReaddir(path)
    .map((e) => /^index\.(\d+)$/.exec(e)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => b - a)[0];
  if (committed === undefined) return out;
  const data = join(path, 'data');
  for (const dir of safeReaddir(data)) {
    for (const seg of safeReaddir(join(data, dir))) {
      if (!/^\d+$/.test(seg) || Number(seg) <= committed) continue;
      out.segments++;
      out.bytes += sizeOf(join(data, dir, seg));
    }
  }
  return out;
}

/**
 * Frees what a failed or killed write left in `repo` (uncommitted segments) with `borg compact`,
 * whose write transaction starts by deleting them (borg 1.2). Returns what is left afterwards and
 * what was freed; a compact that fails is said in `error` (the leftovers stay). Never throws.
 */
export async function freeUncommitted(borg: BorgContext, repo: string): Promise<{ before: Uncommitted; after: Uncommitted; error?: string }> {
  const before = uncommittedSegments(repo);
  if (before.segments === 0) return { before, after: before };
  let error: string | undefined;
  try {
    await compactRepo(borg, repo);
  } catch (e) {
    error = describeError(e);
  }
  return { before, after: uncommittedSegments(repo), ...(error ? { error } : {}) };
}

/** What to do with a repository's uncommitted segments: keep them, and why (a rollback not accepted), or free them, saying what left them. */
export type LeftoverVerdict = { keep: true; why: string } | { keep: false; said: string };

/**
 * Before anything cleans `repo`'s uncommitted segments: compares the archives the catalog recorded
 * for `hosts` with borg's listing (archive/vanished.ts; the vanished ones are marked). When the
 * repository went back in time (borg refuses it, or archives are gone: the segments above its last
 * commit are then what the lost transaction(s) wrote), or the comparison could not be made, they
 * are kept: what happens to them is the operator's decision (`pullback repo accept-rollback`).
 * Otherwise says truthfully what left them. Never throws.
 */
export async function judgeLeftovers(borg: BorgContext, catalog: Catalog, repo: string, hosts: readonly string[]): Promise<LeftoverVerdict> {
  const gone: string[] = [];
  let rolledBack = false;
  for (const host of hosts) {
    try {
      const c = await compareWithCatalog(borg, catalog, repo, host);
      rolledBack ||= c.rolledBack;
      gone.push(...c.vanished.map((a) => a.name));
    } catch (e) {
      return { keep: true, why: `its archives could not be compared with the catalog (${describeError(e)}), so they may be what a rolled-back transaction wrote; run pullback check --host ${host}` };
    }
  }
  // Archives of hosts not in tonight's run, noticed gone earlier and not accepted, count too.
  for (const n of unresolvedVanishedInRepo(catalog, repo)) if (!gone.includes(n)) gone.push(n);
  if (rolledBack || gone.length > 0) {
    const what = rolledBack ? 'it went back in time (borg refuses it as older than the state it saw last)' : 'archives pullback recorded are gone from it';
    const names = gone.length > 0 ? `: ${gone.length} archive(s) gone (${gone.join(', ')})` : '';
    return { keep: true, why: `${what}${names}, so they are what the lost transaction(s) wrote, not a failed write's leftovers; nothing is cleaned or compacted until you decide: ${hosts.map((h) => `\`${acceptCommand(h)}\``).join(' or ')}` };
  }
  const accepted = acceptedRollbackUnwritten(catalog, repo);
  return { keep: false, said: accepted ? `left by the transaction(s) lost in the rollback accepted at ${accepted} (no archive uses them)` : 'left by an earlier write that failed (no archive uses them)' };
}

/**
 * The night's first step, before the free-space preflight measures: every repository of `hosts`
 * that holds uncommitted segments (an earlier night's borg create that ran out of space and could
 * not free them itself) is compacted, so the space they hold is not counted against tonight; but
 * first compared with the catalog (judgeLeftovers), and a repository that went back in time is
 * left as it is. Returns a note per host whose repository held some. Never throws.
 */
export async function freeLeftovers(global: GlobalConfig, hosts: readonly HostConfig[], catalog: Catalog, logger: Logger, signal?: AbortSignal): Promise<Map<string, string>> {
  const notes = new Map<string, string>();
  const repos = new Map<string, string[]>();
  for (const h of hosts) {
    const repo = repositoryPath(global, h.name);
    repos.set(repo, [...(repos.get(repo) ?? []), h.name]);
  }
  for (const [repo, names] of repos) {
    const left = uncommittedSegments(repo);
    if (left.segments === 0) continue;
    const borg: BorgContext = { repository: global.repository, stateDir: global.stateDir, logger, signal };
    const held = `${repo} held ${humanBytes(left.bytes)} in ${left.segments} uncommitted segment(s) above its last commit`;
    const verdict = await judgeLeftovers(borg, catalog, repo, names);
    if (verdict.keep) {
      const note = `${held}: left as they are (not compacted): ${verdict.why}`;
      logger.warn({ repository: repo, uncommitted: left }, note);
      for (const n of names) notes.set(n, note);
      continue;
    }
    const out = await freeUncommitted(borg, repo);
    if (out.before.segments === 0) continue;
    const what = `${repo} held ${humanBytes(out.before.bytes)} in ${out.before.segments} uncommitted segment(s) ${verdict.said}`;
    const note =
      out.after.segments === 0
        ? `${what}: removed by borg compact before measuring`
        : `${what}: borg compact could not remove them${out.error ? ` (${out.error})` : ''}; ${humanBytes(out.after.bytes)} remain. Free space on that filesystem, then run: borg compact ${repo}`;
    (out.after.segments === 0 ? logger.info : logger.warn).call(logger, { repository: repo, before: out.before, after: out.after }, note);
    for (const n of names) notes.set(n, note);
  }
  return notes;
}

/** A file's size, 0 when it is gone or unreadable (a segment compacted away meanwhile). */
/** The first `n` bytes of `file`, or undefined when it cannot be read. */
function headOf(file: string, n: number): Buffer | undefined {
  try {
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(n);
      return buf.subarray(0, readSync(fd, buf, 0, n, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/** `parse` of the whole of `file`, or undefined when it cannot be read (or parsed). */
function readOr<T>(file: string, parse: (b: Buffer) => T | undefined): T | undefined {
  try {
    return parse(readFileSync(file));
  } catch {
    return undefined;
  }
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** A size as borg writes it in its config (plain bytes, or k/M/G/T/P in powers of 1000). */
function borgSize(v: string | undefined): number | undefined {
  const m = v === undefined ? null : /^([0-9]+(?:\.[0-9]+)?)([kMGTP]?)$/.exec(v);
  if (!m) return undefined;
  const mult: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15 };
  return Math.round(Number(m[1]) * mult[m[2]!]!);
}
