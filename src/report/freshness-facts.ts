// What `pullback status`, stale events and the report know about each host's freshness: the
// catalog's facts gathered per host, judged by report/freshness.ts. Reads only; never throws for a host
// that has no history (it is simply never backed up).
import type { Catalog } from '../catalog/catalog.js';
import { lastCheckRecord, lastDrill, lastJob, lastSourceAttempt, lastSourceSuccess } from '../catalog/queries.js';
import { DEFAULTS } from '../config/defaults.js';
import { parseDuration } from '../config/units.js';
import { repositoryPath, type Config, type HostConfig } from '../config/types.js';
import { lastOffsiteAttempt, newestVerified } from '../catalog/offsite.js';
import { lostArchives, unresolvedVanished } from '../catalog/vanished.js';
import { openDamage } from '../catalog/check-damage.js';
import { archivedSince, zeroedOfHost } from '../catalog/zeroed-files.js';
import { interruptedRestoreFacts } from './interrupted-restores.js';
import { judgeFreshness, staleFindings, type CheckFacts, type DamageFacts, type HostFacts, type RepairedFacts, type HostFreshness, type StaleFinding } from './freshness.js';

const CHECK_KINDS: CheckFacts['kind'][] = ['repository', 'archives', 'data', 'drill'];
const DEFAULT_MAX_AGE_MS = parseDuration(DEFAULTS.staleAfter) * 1000;

/** The catalog's facts about one host (its successes, last job, sources and checks). */
export function hostFacts(config: Config, catalog: Catalog, host: HostConfig): HostFacts {
  const repository = repositoryPath(config.global, host.name);
  const maxAgeMs = host.staleAfterSeconds !== undefined ? host.staleAfterSeconds * 1000 : DEFAULT_MAX_AGE_MS;
  const last = catalog.lastNightly(host.name);
  const job = lastJob(catalog, host.name);
  return {
    host: host.name,
    maxAgeMs,
    ...(last ? { lastSuccess: new Date(last.endedAt) } : {}),
    ...(job ? { lastJob: { kind: job.kind, status: job.status, at: new Date(job.endedAt ?? job.startedAt), ...(job.error ? { error: job.error } : {}) } } : {}),
    sources: host.sources.map((s) => {
      const ok = lastSourceSuccess(catalog, host.name, s.name);
      const attempt = lastSourceAttempt(catalog, host.name, s.name);
      return {
        name: s.name,
        maxAgeMs: s.staleAfterSeconds !== undefined ? s.staleAfterSeconds * 1000 : maxAgeMs,
        ...(ok ? { lastSuccess: new Date(ok.at) } : {}),
        ...(attempt ? { lastAttempt: { ...attempt, at: new Date(attempt.at) } } : {}),
      };
    }),
    checks: CHECK_KINDS.map((kind) => {
      const rec = lastCheckRecord(catalog, repository, kind, host.name);
      return { kind, frequency: config.global.checks[kind], ...(rec ? { last: { at: new Date(rec.at), status: rec.status } } : {}) };
    }),
    damage: damageFacts(catalog, repository, host.name),
    offsite: config.global.offsite.map((t) => {
      const v = newestVerified(catalog, host.name, t.name);
      const a = lastOffsiteAttempt(catalog, host.name, t.name);
      return { target: t.name, maxAgeMs: t.maxAgeSeconds * 1000, ...(v ? { newestVerified: new Date(v.at) } : {}), ...(a ? { lastAttempt: { ...a, at: new Date(a.at) } } : {}) };
    }),
    archiveLoss: { unresolved: unresolvedVanished(catalog, repository, host.name), lost: lostArchives(catalog, repository, host.name) },
    interruptedRestores: interruptedRestoreFacts(config, catalog, host.name),
    repaired: repairedFacts(catalog, repository, host),
    pitrDrills: (lastDrill(catalog, host.name)?.pitr ?? []).map((p) => ({ source: p.source, status: p.status, ...(p.rtoSeconds !== undefined ? { rtoSeconds: p.rtoSeconds } : {}) })),
  };
}

/**
 * Files a repair zero-filled in the host's archives still there, per source, while unresolved: a
 * source is resolved once an archive made after its latest such repair holds it and an archives
 * check (of the host's archives, recorded per host) passed after that archive was made.
 */
function repairedFacts(catalog: Catalog, repository: string, host: HostConfig): RepairedFacts[] {
  const zeroed = zeroedOfHost(catalog, repository, host.name);
  if (zeroed.length === 0) return [];
  const sourceOf = (path: string) => host.sources.find((s) => path === s.name || path.startsWith(`${s.name}/`))?.name;
  const groups = new Map<string | undefined, typeof zeroed>();
  for (const z of zeroed) groups.set(sourceOf(z.path), [...(groups.get(sourceOf(z.path)) ?? []), z]);
  const checked = lastCheckRecord(catalog, repository, 'archives', host.name);
  const out: RepairedFacts[] = [];
  for (const [source, rows] of groups) {
    const repairedAt = rows.map((r) => r.repairedAt).sort().at(-1)!;
    const again = archivedSince(catalog, repository, host.name, repairedAt, source);
    if (again && checked?.status === 'ok' && checked.at >= again.createdAt) continue;
    const files = new Map<string, { path: string; archives: number; newest: string }>();
    // zeroedOfHost orders each path's archives newest first.
    for (const r of rows) {
      const f = files.get(r.path);
      if (f) f.archives++;
      else files.set(r.path, { path: r.path, archives: 1, newest: r.archive });
    }
    out.push({ ...(source ? { source } : {}), repairedAt: new Date(repairedAt), files: [...files.values()], ...(again ? { rearchived: { archive: again.name, at: new Date(again.createdAt) } } : {}) });
  }
  return out;
}

/** The open check failures of the host's repository; one check's kinds that failed together are one fact. */
function damageFacts(catalog: Catalog, repository: string, host: string): DamageFacts[] {
  const out: DamageFacts[] = [];
  for (const d of openDamage(catalog, repository, host)) {
    const same = out.find((o) => o.error === d.error && o.failedAt.getTime() === new Date(d.failedAt).getTime());
    if (same) {
      same.kind = `${same.kind}+${d.kind}`;
      continue;
    }
    out.push({
      kind: d.kind,
      firstFailedAt: new Date(d.firstFailedAt),
      failedAt: new Date(d.failedAt),
      error: d.error,
      ...(d.scan ? { files: { archives: d.scan.archives, complete: d.scan.complete } } : {}),
    });
  }
  return out;
}

/** The freshness verdict of every host in the config, at `now`. */
export function freshnessOf(config: Config, catalog: Catalog, now = new Date()): HostFreshness[] {
  return config.hosts.map((h) => judgeFreshness(hostFacts(config, catalog, h), now));
}

/** Every host and source whose last success is older than its max_age (or never happened): for stale events. */
export function findStale(config: Config, catalog: Catalog, now = new Date()): StaleFinding[] {
  return config.hosts.flatMap((h) => staleFindings(hostFacts(config, catalog, h), now));
}
