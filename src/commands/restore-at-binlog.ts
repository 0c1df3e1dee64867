// `pullback restore --host H --only SOURCE --at TIME|latest [--database NAME] [--yes|--dry-run]` of
// a MariaDB source: the night's dump loaded into a scratch server on the backup host and the
// received binary logs replayed into it up to TIME (pitr/binlog-at-point.ts), each database dumped
// from it, then put in place by the ordinary restore (checklist, safety snapshot, fresh database +
// swap, data checks, rollback) fed those dumps. The other databases of the server are not touched.
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENGINE_CONNECTION } from '../config/defaults.js';
import { repositoryPath, type HostConfig, type SourceConfig } from '../config/types.js';
import { JobError } from '../errors.js';
import { borgContext } from '../job/context.js';
import { takeHostLock } from '../lock/host-lock.js';
import type { HeldLock } from '../lock/run-lock.js';
import { binlogAtPoint } from '../pitr/binlog-at-point.js';
import { binlogReadiness } from '../pitr/binlog-readiness.js';
import { binlogDir } from '../pitr/paths.js';
import type { PitrPlan } from '../pitr/restore-plan.js';
import { sweepScratch } from '../pitr/scratch-cluster.js';
import { sweepScratchMariadb } from '../pitr/scratch-mariadb.js';
import { describeTarget } from '../pitr/target-time.js';
import { formatChecklist } from '../restore/format.js';
import { restoreStateDir } from '../restore/prepare.js';
import { beginLogin, type Login } from '../restore/login.js';
import type { Staging } from '../restore/staging.js';
import { recordSuppliedDumps, suppliedPlan, suppliedStaging, suppliedStagingDir } from '../restore/supplied-dumps.js';
import type { CommandEnv, GlobalOptions } from './common.js';
import { carryOut } from './restore.js';

export interface BinlogInput {
  plan: PitrPlan;
  host: HostConfig;
  source: SourceConfig;
  databases: readonly string[];
  dryRun: boolean;
  yes: boolean;
}

const show = (d: Date) => d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');

/** Runs it; the exit code of the restore (0 ok, 1 refused or failed). */
export async function restoreAtBinlog(g: GlobalOptions, env: CommandEnv, signal: AbortSignal, p: BinlogInput): Promise<number> {
  const global = env.config.global;
  const engine = p.source.pitr!.engine === 'mysql' ? 'mysql' : 'mariadb';
  const conn = p.source.dump?.connection ?? { ...ENGINE_CONNECTION[engine] };
  const point = describeTarget(p.plan.target);
  const to = p.plan.target.kind === 'latest' ? 'the end of the binary logs received (latest)' : point;
  env.out(
    [
      `Point-in-time restore of ${p.host.name}/${p.source.name} to ${to}:`,
      `  dump          ${show(new Date(p.plan.base.endedAt))} (archive ${p.plan.base.archive}, binary log position ${p.plan.base.startLsn})`,
      `  binary logs   from ${p.plan.base.startWal}, in ${p.plan.walArchives.join(', ')} and the receiver's own directory, replayed up to the target (events logged in its second included)`,
      `  recovered in  a scratch MariaDB server on this host (under ${tmpdir()}), deleted once dumped`,
      ...p.databases.map((d) => `  replaces      ${engine} database ${d} on ${conn.host}:${conn.port} of ${p.host.name} (by its state at ${point}: the dump and the binary logs replayed in the scratch server, dumped, restored as a nightly dump)`),
    ].join('\n'),
  );
  const received = binlogDir(global, p.host.name, p.source.name);
  if (p.dryRun) {
    const borg = borgContext({ global, logger: env.logger, signal });
    const items = await binlogReadiness(borg, env.catalog, p.plan, p.databases, received);
    env.out(formatChecklist('Readiness checklist:', items));
    const ok = items.every((i) => i.status !== 'fail');
    env.out(ok ? 'Dry run: every check passed; nothing was recovered or changed.' : 'Dry run: the restore would stop at the failed checks above; nothing was recovered or changed.');
    return ok ? 0 : 1;
  }
  let lock: HeldLock | undefined;
  let login: Login | undefined;
  let staging: Staging | undefined;
  const work = join(restoreStateDir(global), `pitr-${process.pid}`);
  try {
    lock = takeHostLock(global.stateDir, p.host.name, `restore --at onto ${p.host.name}`).lock;
    login = beginLogin(global, p.host, env.logger, signal);
    // What killed restores left: scratch servers whose process is gone, and their state dir folders (restore/pitr-<pid>).
    sweepScratchMariadb(env.logger);
    await sweepScratch(restoreStateDir(global), env.logger);
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true, mode: 0o700 });
    const borg = borgContext({ global, logger: env.logger, signal });
    const timeoutMs = global.dumpTimeoutSeconds * 1000;
    const made = await binlogAtPoint(borg, env.catalog, p.plan, { work, engine, receivedDir: received, databases: p.databases, logger: env.logger, timeoutMs, signal }).catch((e: unknown) => {
      if (e instanceof JobError) env.out(`Refused: ${e.message}. Nothing was changed.`);
      throw e;
    });
    env.out(`Recovered to ${point} in a scratch MariaDB server (${made.logs} binary log(s), up to ${made.newest ?? '-'}), dumped ${made.dumps.map((d) => d.database).join(', ')}, scratch server deleted.`);
    const stage = join(work, 'stage');
    const takenAt = p.plan.target.kind === 'time' ? p.plan.target.at.toISOString() : new Date().toISOString();
    const dumps = await recordSuppliedDumps(made.dumps.map((d) => ({ ...d, takenAt })), suppliedStagingDir(stage, p.source.name), env.logger, timeoutMs, engine);
    staging = suppliedStaging(stage, p.source.name, 'dumps made now from a scratch MariaDB server (this archive\'s dump and the binary logs replayed), each read whole (trailer, rows counted) and its SHA-256 taken');
    const label = `${p.plan.base.archive} + binary logs to ${point}`;
    const plan = suppliedPlan({ host: p.host.name, target: p.host, source: p.source, repository: repositoryPath(global, p.host.name), label, createdAt: new Date().toISOString(), dumps });
    const o = { host: p.host.name, only: [p.source.name], dryRun: false, yes: p.yes, force: false, maxAgeSeconds: 0, deleteInSelection: false };
    return await carryOut(g, env, o, signal, login, { plan, archived: new Map(), broken: [], kind: 'restore', title: `Restore plan (point in time ${point})`, staged: staging });
  } finally {
    await staging?.dispose();
    await login?.close();
    lock?.release();
    rmSync(work, { recursive: true, force: true });
  }
}
