// The metrics file after each job: the catalog's facts of every host rendered as Prometheus text
// and written atomically (a temporary file in the same directory, then rename), so node_exporter
// never reads half a file. Never fails the job: a problem is logged as a warning.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { hostFacts } from './freshness-facts.js';
import type { Catalog } from '../catalog/catalog.js';
import { lastRunFigures, repoStats } from '../catalog/queries.js';
import { repositoryPath, type Config } from '../config/types.js';
import { judgeFreshness } from './freshness.js';
import { renderMetrics, type FleetMetrics, type HostMetrics } from './metrics-render.js';
import type { FleetLink } from '../catalog/fleet/link.js';
import { readFleet, type FleetView } from '../catalog/fleet/fleet-read.js';
import { recoveryWindows } from '../archive/recovery-windows.js';
import { repositorySizeAt } from '../catalog/repository-sizes.js';
import { configuredSince, noteConfigured } from '../catalog/configured-since.js';

/** `{ [key]: d }` when `d` is set, else no key at all (optional fields are never set to undefined). */
const at = <K extends string>(key: K, d: Date | undefined) => (d ? ({ [key]: d } as Record<K, Date>) : {});

/** The metrics of every host of the config as the catalog has them now. */
export function gatherMetrics(config: Config, catalog: Catalog, now = new Date()): HostMetrics[] {
  return config.hosts.map((h) => {
    const facts = hostFacts(config, catalog, h);
    const repository = repositoryPath(config.global, h.name);
    const stats = repoStats(catalog, repository, h.name);
    const size = repositorySizeAt(catalog, repository);
    const seen = configuredSince(catalog, h.name);
    const run = lastRunFigures(catalog, h.name);
    const verdict = judgeFreshness(facts, now);
    return {
      host: h.name,
      freshness: verdict.light,
      sourceFreshness: verdict.sources.map((s) => ({ source: s.name, light: s.light })),
      damaged: (facts.damage ?? []).length,
      ...(facts.lastSuccess ? { lastSuccess: facts.lastSuccess } : {}),
      maxAgeSeconds: Math.round(facts.maxAgeMs / 1000),
      ...at('firstSeen', seen.get('')),
      ...(run ? { lastRun: run } : {}),
      sources: facts.sources.map((s) => ({ source: s.name, ...at('lastSuccess', s.lastSuccess), maxAgeSeconds: Math.round(s.maxAgeMs / 1000), ...at('firstSeen', seen.get(s.name)) })),
      archives: stats.archives,
      repositoryBytes: stats.originalSize,
      ...(size ? { repository: { uniqueCsize: size.uniqueCsize, totalCsize: size.totalCsize, measuredAt: size.measuredAt } } : {}),
      checks: facts.checks.map((c) => ({ kind: c.kind, ...(c.last ? { at: c.last.at, status: c.last.status } : {}) })),
      offsite: (facts.offsite ?? []).map((o) => ({ target: o.target, ...(o.newestVerified ? { verifiedAt: o.newestVerified } : {}) })),
      recovery: recoveryWindows(config.global, [h], catalog, now).map((w) => ({ source: w.source, light: w.light, ...(w.oldest ? { oldest: w.oldest } : {}), ...(w.newest ? { newest: w.newest } : {}) })),
      pitrDrills: facts.pitrDrills ?? [],
    };
  });
}

/** The fleet's series from the fleet catalog's view: each backup host and each of its servers. */
export function fleetMetrics(view: FleetView): FleetMetrics {
  const ok = new Map(view.nights.map((n) => [`${n.backupHost}\u0000${n.host}`, n.lastOkAt]));
  return {
    backupHosts: view.backupHosts.map((b) => ({ backupHost: b.name, heartbeatAt: b.heartbeatAt, maxAgeSeconds: b.maxAgeSeconds })),
    servers: view.backupHosts.flatMap((b) =>
      b.servers.map((s) => {
        const last = ok.get(`${b.name}\u0000${s.name}`);
        return { host: s.name, backupHost: b.name, maxAgeSeconds: s.maxAgeSeconds, ...(last ? { lastSuccess: last } : {}) };
      }),
    ),
  };
}

/**
 * The fleet as the metrics file shows it: this backup host's records pushed first (what a night just
 * recorded is in it), then the fleet read. Undefined without a fleet catalog, or when it is unreachable
 * (the link warns once; the file then has no fleet series, as an unreachable status has no fleet).
 */
async function gatherFleet(fleet: FleetLink | undefined, catalog: Catalog): Promise<FleetMetrics | undefined> {
  if (!fleet) return undefined;
  if (!(await fleet.syncSoon(catalog.db))) return undefined;
  try {
    return fleetMetrics(await readFleet(await fleet.db()));
  } catch (e) {
    fleet.unreachable(e);
    return undefined;
  }
}

/** Writes `file` atomically with `text` (mode 0644: node_exporter runs as another user). Throws on I/O errors. */
export function writeAtomically(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** After a job: rewrites the configured metrics file (none configured: nothing). Logs, never throws. */
export async function writeMetricsAfterJob(env: { config: Config; catalog: Catalog; logger: Logger; fleet?: FleetLink }): Promise<void> {
  const file = env.config.global.metricsFile;
  if (!file) return;
  try {
    const now = new Date();
    // Every configured host and source gets its first sight recorded: the grace of "never backed up".
    noteConfigured(env.catalog, env.config.hosts, now);
    const hosts = gatherMetrics(env.config, env.catalog, now);
    writeAtomically(file, await renderMetrics(hosts, now, await gatherFleet(env.fleet, env.catalog)));
    env.logger.debug({ file }, 'metrics written');
  } catch (e) {
    env.logger.warn({ err: e, file }, `metrics file ${file} not written: ${(e as Error).message}`);
  }
}

/**
 * A writer of the metrics file for a job whose hosts end one by one (a run's hosts side by side):
 * each call rewrites the file with what the catalog holds then, so a host's figures are exported as
 * soon as it ends, not after the slowest host. Calls never overlap (the temporary file is per
 * process); each resolves when its own write is done. Never rejects.
 */
export function serialMetricsWriter(env: { config: Config; catalog: Catalog; logger: Logger; fleet?: FleetLink }): () => Promise<void> {
  let last: Promise<void> = Promise.resolve();
  return () => {
    last = last.then(() => writeMetricsAfterJob(env));
    return last;
  };
}
