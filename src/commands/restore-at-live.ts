// `pullback restore --host H --only SOURCE --at TIME|latest [--database NAME] [--yes|--dry-run]`
// without --into: the cluster recovered to TIME in a scratch cluster on the backup host (pitr/),
// the database(s) dumped from it, then put in place by the ordinary restore (restore/: checklist,
// safety snapshot, fresh database + swap, data checks, rollback), fed those dumps instead of an
// archive's. The other databases of the cluster are not touched.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { repositoryPath, type HostConfig, type SourceConfig } from '../config/types.js';
import { ENGINE_CONNECTION } from '../config/defaults.js';
import { JobError } from '../errors.js';
import { borgContext } from '../job/context.js';
import { takeHostLock } from '../lock/host-lock.js';
import type { HeldLock } from '../lock/run-lock.js';
import { walDir } from '../pitr/paths.js';
import { describeTarget } from '../pitr/target-time.js';
import { dryRunChecklist } from './pitr-dry-run.js';
import { formatPitrPlan, walEndNote, type PitrPlan } from '../pitr/restore-plan.js';
import { dumpAtPoint, scratchFolder, sweepScratch, unreachableByPostgres } from '../pitr/scratch-cluster.js';
import { restoreStateDir } from '../restore/prepare.js';
import { beginLogin, type Login } from '../restore/login.js';
import { recordSuppliedDumps, suppliedPlan, suppliedStaging, suppliedStagingDir } from '../restore/supplied-dumps.js';
import type { Staging } from '../restore/staging.js';
import type { CommandEnv, GlobalOptions } from './common.js';
import { carryOut } from './restore.js';

export interface LiveInput {
  plan: PitrPlan;
  host: HostConfig;
  source: SourceConfig;
  databases: readonly string[];
  dryRun: boolean;
  yes: boolean;
}


/** Runs it; the exit code of the restore (0 ok, 1 refused or failed). */
export async function restoreAtLive(g: GlobalOptions, env: CommandEnv, signal: AbortSignal, p: LiveInput): Promise<number> {
  const global = env.config.global;
  const conn = p.source.dump?.connection ?? { ...ENGINE_CONNECTION.postgres };
  const point = describeTarget(p.plan.target);
  env.out(
    formatPitrPlan(p.plan, '', '', [
      `  WAL range     from ${p.plan.base.startWal} (the base backup's start) to the target`,
      `  recovered in  a scratch cluster on this host (under ${tmpdir()}), deleted once dumped`,
      ...p.databases.map((d) => `  replaces      postgres database ${d} on ${conn.host}:${conn.port} of ${p.host.name} (by its state at ${point}: pg_dump of the scratch cluster, restored as a nightly dump)`),
    ]),
  );
  if (p.dryRun) {
    const borg = borgContext({ global, logger: env.logger, signal });
    return dryRunChecklist(env.out, borg, p.plan, walDir(global, p.host.name, p.source.name), 'nothing was recovered or changed', env.logger, global.dumpTimeoutSeconds * 1000);
  }
  let lock: HeldLock | undefined;
  let login: Login | undefined;
  let staging: Staging | undefined;
  // The dumps made from the scratch cluster and their staging: private, in the state dir.
  const work = join(restoreStateDir(global), `pitr-${process.pid}`);
  let scratch: string | undefined;
  try {
    lock = takeHostLock(global.stateDir, p.host.name, `restore --at onto ${p.host.name}`).lock;
    login = beginLogin(global, p.host, env.logger, signal);
    // What a killed restore --at left (its scratch cluster may still run): stopped and removed first.
    await sweepScratch(restoreStateDir(global), env.logger);
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true, mode: 0o700 });
    scratch = await scratchFolder(env.logger);
    const unreachable = await unreachableByPostgres(scratch, env.logger);
    if (unreachable) {
      env.out(`Refused: ${unreachable}. Nothing was changed.`);
      return 1;
    }
    const borg = borgContext({ global, logger: env.logger, signal });
    const timeoutMs = global.dumpTimeoutSeconds * 1000;
    const made = await dumpAtPoint(borg, p.plan, { dir: scratch, dumpDir: join(work, 'dumps'), receivedWal: walDir(global, p.host.name, p.source.name), databases: p.databases, user: conn.user, logger: env.logger, timeoutMs, signal }).catch((e: unknown) => {
      if (e instanceof JobError) env.out(`Refused: ${e.message}. Nothing was changed.`);
      throw e;
    });
    const toEnd = made.time?.recovery.kind === 'wal-end';
    if (toEnd) env.out(walEndNote(p.plan, 'recovered to it.'));
    env.out(`Recovered to ${toEnd ? `the WAL's end (the state at ${point})` : point} in a scratch cluster (${made.walFiles} WAL files, up to ${made.newestSegment ?? '-'}), dumped ${made.dumps.map((d) => d.database).join(', ')}, scratch cluster deleted.`);
    const stage = join(work, 'stage');
    const dumps = await recordSuppliedDumps(
      made.dumps.map((d) => ({ ...d, takenAt: p.plan.target.kind === 'time' ? p.plan.target.at.toISOString() : new Date().toISOString() })),
      suppliedStagingDir(stage, p.source.name),
      env.logger,
      timeoutMs,
    );
    rmSync(scratch, { recursive: true, force: true });
    staging = suppliedStaging(stage, p.source.name);
    const label = `${p.plan.base.archive} + WAL to ${toEnd ? `its end (no transaction ended after ${point})` : point}`;
    const plan = suppliedPlan({ host: p.host.name, target: p.host, source: p.source, repository: repositoryPath(global, p.host.name), label, createdAt: new Date().toISOString(), dumps });
    const o = { host: p.host.name, only: [p.source.name], dryRun: false, yes: p.yes, force: false, maxAgeSeconds: 0, deleteInSelection: false };
    return await carryOut(g, env, o, signal, login, { plan, archived: new Map(), broken: [], kind: 'restore', title: `Restore plan (point in time ${point})`, staged: staging });
  } finally {
    await staging?.dispose();
    await login?.close();
    lock?.release();
    rmSync(work, { recursive: true, force: true });
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}
