// What the PITR drill (drill/pitr.ts) asks of point-in-time recovery, handed to the drill by the
// command that runs it (a feature never imports another): a source's recovery window, and a scratch
// cluster recovered to a time exactly as `restore --at` recovers one (restore-plan, restore-into,
// scratch-cluster), with the time its two parts took. The drill then measures the cluster and removes it.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { archivedBaseBackups, receiverRecord } from '../catalog/pitr.js';
import type { Catalog } from '../catalog/catalog.js';
import { repositoryPath, type GlobalConfig } from '../config/types.js';
import { JobError } from '../errors.js';
import { borgContext } from '../job/context.js';
import { walDir } from './paths.js';
import { restoreInto } from './restore-into.js';
import { planPitrRestore, walEndNote } from './restore-plan.js';
import { freePort, scratchFolder, startScratch, sweepScratch, unreachableByPostgres } from './scratch-cluster.js';
import type { TransactionsAround } from './xact-ends.js';

/** A source's recovery window, or why it has none yet. */
export type PitrWindow = { ok: true; oldest: Date; newest: Date; bases: number } | { ok: false; reason: string };

/** A scratch cluster recovered to a time, promoted and answering queries. */
export interface RecoveredScratch {
  socketDir: string;
  port: number;
  /** The WAL its restore_command read (what pg_waldump reads to find the commits around the target). */
  walDir: string;
  timeline: number;
  /** Where the base backup's WAL starts. */
  startLsn: string;
  baseArchive: string;
  walArchives: string[];
  walFiles: number;
  /** The transaction ends around the target in that WAL (pg_waldump, read before recovery: restore-into.ts). */
  around: TransactionsAround;
  /** No transaction ended after the target in the WAL: recovered to the WAL's end, without a time target; `walEndNote` says so for people. */
  toWalEnd: boolean;
  walEndNote?: string;
  /** Milliseconds: the base backup and WAL extracted and the recovery settings written; then started until promoted (WAL replay). */
  extractMs: number;
  replayMs: number;
  /** The scratch cluster's log so far (its recovery lines). */
  log(): string;
  /** Stops it and deletes every file of it; never throws. */
  remove(): Promise<void>;
}

export interface PitrDrillRecovery {
  window(host: string, source: string): PitrWindow;
  /** Removes what killed drills and restores left (their scratch clusters); never throws. */
  sweep(): Promise<string[]>;
  /** Recovers `source` of `host` to `at` in a scratch cluster; throws JobError naming why it could not (outside the window, a gap, it did not start or promote) with nothing left behind. */
  recover(p: { host: string; source: string; at: Date; user: string; timeoutMs: number; signal?: AbortSignal }): Promise<RecoveredScratch>;
}

/** The recovery a drill uses, over this config and catalog. */
export function pitrDrillRecovery(global: GlobalConfig, catalog: Catalog, logger: Logger): PitrDrillRecovery {
  const newestOf = (host: string, source: string) => {
    const rec = receiverRecord(catalog, host, source);
    return rec?.reachedAt ? new Date(rec.reachedAt) : undefined;
  };
  return {
    window(host, source) {
      const bases = archivedBaseBackups(catalog, repositoryPath(global, host), host, source).filter((b) => b.archive !== undefined);
      if (bases.length === 0) return { ok: false, reason: `${host}/${source} has no base backup in an archive yet (run pullback run --host ${host} first)` };
      const oldest = new Date(bases[0]!.endedAt);
      const newest = newestOf(host, source);
      if (!newest || newest <= oldest) return { ok: false, reason: `${host}/${source} has no WAL received after its oldest base backup (${oldest.toISOString()}): is pullback daemon running its receiver?` };
      return { ok: true, oldest, newest, bases: bases.length };
    },
    sweep: () => sweepScratch(join(global.stateDir, 'drill'), logger),
    async recover(p) {
      const repository = repositoryPath(global, p.host);
      const newest = newestOf(p.host, p.source);
      const planned = planPitrRestore({
        host: p.host,
        source: p.source,
        repository,
        target: { kind: 'time', at: p.at },
        bases: archivedBaseBackups(catalog, repository, p.host, p.source),
        ...(newest ? { newest } : {}),
      });
      if (!planned.ok) throw new JobError(planned.reason);
      const plan = planned.plan;
      const dir = await scratchFolder(logger);
      try {
        const unreachable = await unreachableByPostgres(dir, logger);
        if (unreachable) throw new JobError(unreachable);
        const borg = borgContext({ global, logger, signal: p.signal });
        const t0 = Date.now();
        const into = await restoreInto(borg, plan, join(dir, 'data'), walDir(global, p.host, p.source), logger, { port: await freePort(), timeoutMs: p.timeoutMs, signal: p.signal });
        if (!into.time) throw new JobError('the recovery to a time read no transactions around it');
        const toWalEnd = into.time.recovery.kind === 'wal-end';
        const t1 = Date.now();
        const cluster = await startScratch(into, p.user, logger, p.timeoutMs, p.signal);
        const t2 = Date.now();
        return {
          socketDir: cluster.socketDir,
          port: cluster.port,
          walDir: into.walDir,
          timeline: plan.base.timeline,
          startLsn: plan.base.startLsn,
          baseArchive: plan.base.archive,
          walArchives: plan.walArchives,
          walFiles: into.walFiles,
          around: into.time.around,
          toWalEnd,
          ...(toWalEnd ? { walEndNote: walEndNote(plan, 'recovered to it') } : {}),
          extractMs: t1 - t0,
          replayMs: t2 - t1,
          log: () => {
            try {
              return readFileSync(join(into.dataDir, 'recovery.log'), 'utf8');
            } catch {
              return '';
            }
          },
          remove: async () => {
            await cluster.remove();
            rmSync(dir, { recursive: true, force: true });
          },
        };
      } catch (e) {
        // restoreInto and startScratch leave no cluster running when they throw: the folder is all that is left.
        rmSync(dir, { recursive: true, force: true });
        throw e;
      }
    },
  };
}
