// The free-space preflight of `pullback run`: before any host starts, every filesystem holding a
// mirror or a repository of the run's hosts is measured (statfs) and judged once against the
// expected growth (nightly/disk-space.ts). A host with anything on a filesystem that would pass
// max_disk_usage is refused before its lock, its pulls or its repository are touched; hosts on
// other filesystems run. Each host records the verdict as its `disk_space` step.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Catalog } from '../catalog/catalog.js';
import { hostGrowthHistory } from './growth.js';
import { repositoryPath, type GlobalConfig, type HostConfig } from '../config/types.js';
import { compactRoom, GROWTH_WINDOW, judgeDiskSpace, mirrorGrowth, refusedHosts, repositoryGrowth, type FilesystemVerdict, type RepoFacts, type SpaceNeed } from './disk-space.js';
import { filesystemOf, type FilesystemFacts } from '../util/filesystem.js';
import { hostMirrorDir, recordStep, type HostContext } from '../job/context.js';

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
  for (const host of hosts) {
    const repo = repositoryPath(global, host.name);
    repos.set(repo, [...(repos.get(repo) ?? []), host.name]);
    const history = hostGrowthHistory(catalog, repo, host.name, host.sources.map((s) => s.name), GROWTH_WINDOW);
    const mirror = mirrorGrowth(history);
    const repository = repositoryGrowth(history, mirror);
    for (const e of [mirror, repository]) if (e.unknown) note([host.name], e.unknown);
    const mirrorDev = measure(hostMirrorDir(global, host.name), [host.name]);
    if (mirrorDev !== undefined) needs.push({ hosts: [host.name], what: `mirror of ${host.name}`, dev: mirrorDev, estimate: mirror });
    const repoDev = measure(repo, [host.name]);
    if (repoDev !== undefined) needs.push({ hosts: [host.name], what: `archive of ${host.name}`, dev: repoDev, estimate: repository });
  }
  for (const [repo, hostNames] of repos) {
    const dev = measure(repo, hostNames);
    if (dev !== undefined) needs.push({ hosts: hostNames, what: `room for borg in ${repo}`, dev, estimate: compactRoom(repoFacts(repo)) });
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
  if (index) facts.indexBytes = sizeOf(join(path, index));
  const data = join(path, 'data');
  for (const dir of safeReaddir(data)) for (const seg of safeReaddir(join(data, dir))) facts.dataBytes += sizeOf(join(data, dir, seg));
  return facts;
}

/** A file's size, 0 when it is gone or unreadable (a segment compacted away meanwhile). */
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
