// A scratch cluster on the backup host: the data directory restore-into.ts builds, started with
// pg_ctl on its own socket (in the data directory, no TCP listener) and a free port, as the postgres
// user when run as root (as the --into path prints it), waited for until its recovery reached the
// target and it promoted, then stopped and deleted. `restore --at` without --into dumps databases
// from it; it is never reachable from the network, so its clients are trusted on that socket.
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isGone } from '../util/process-identity.js';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { JobError } from '../errors.js';
import { runCommand, toolErrorFrom } from '../exec/run.js';
import { pgBinDir, pgTool } from '../engines/postgres-wal.js';
import { getEngine } from '../engines/registry.js';
import { localRunner } from '../engines/runner.js';
import type { BorgContext } from '../tools/borg/run.js';
import { restoreInto, type IntoResult } from './restore-into.js';
import { claimScratch, orphanedScratch } from './scratch-owner.js';
import type { PitrPlan } from './restore-plan.js';

export interface ScratchCluster {
  dataDir: string;
  socketDir: string;
  port: number;
  /** Stops the cluster (fast, then immediate) and deletes its data and WAL folders; never throws. */
  remove(): Promise<void>;
}

/** A TCP port nothing listens on now (the scratch cluster listens on none: the number only names its socket). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

const asPostgres = (): string[] => (userInfo().uid === 0 ? ['runuser', '-u', 'postgres', '--'] : []);

/**
 * Starts the recovered data directory `into` (restoreInto's result) and waits until it promoted
 * (asked as `user`, a role of the cluster: the source's dump user), at most `timeoutMs`; throws JobError naming the recovery log's last lines when it stopped or
 * never promoted (the cluster is then removed).
 */
export async function startScratch(into: IntoResult, user: string, logger: Logger, timeoutMs: number, signal?: AbortSignal): Promise<ScratchCluster> {
  const bin = pgBinDir();
  const log = join(into.dataDir, 'recovery.log');
  const cluster: ScratchCluster = {
    dataDir: into.dataDir,
    socketDir: into.socketDir,
    port: into.port,
    remove: async () => {
      if (existsSync(join(into.dataDir, 'postmaster.pid'))) {
        const stop = async (mode: string) => {
          const [cmd, ...args] = [...asPostgres(), pgTool(bin, 'pg_ctl'), '-D', into.dataDir, '-m', mode, '-w', '-t', '60', 'stop'];
          return runCommand(cmd!, args, { logger, quiet: true, timeoutMs: 90_000 }).catch(() => undefined);
        };
        if ((await stop('fast'))?.exitCode !== 0) await stop('immediate');
      }
      rmSync(into.dataDir, { recursive: true, force: true });
      rmSync(into.walDir, { recursive: true, force: true });
    },
  };
  // Only this process reaches the socket (its folder is the 0700 data directory): trusted there, whatever the main server's pg_hba.conf said.
  // Its log in UTC: the PITR drill reads the times recovery names in it.
  const hba = join(into.dataDir, 'pullback-scratch-hba.conf');
  writeFileSync(hba, 'local all all trust\n', { mode: 0o644 });
  appendFileSync(join(into.dataDir, 'postgresql.auto.conf'), `hba_file = '${hba.replace(/'/g, "''")}'\nhot_standby = 'on'\nlog_timezone = 'UTC'\n`);
  try {
    const [cmd, ...args] = into.start;
    const started = await runCommand(cmd!, args, { logger, timeoutMs, signal });
    if (started.exitCode !== 0) throw new JobError(`the scratch cluster did not start: ${logTail(log)}`);
    const end = Date.now() + timeoutMs;
    for (;;) {
      const r = await runCommand(pgTool(bin, 'psql'), ['-h', into.socketDir, '-p', String(into.port), '-U', user, '-d', 'template1', '-X', '-A', '-t', '-q', '-w', '-c', 'SELECT pg_is_in_recovery()'], { logger, quiet: true, timeoutMs: 30_000, signal, captureStdout: true });
      if (r.exitCode === 0 && String(r.stdout).trim() === 'f') break;
      if (!existsSync(join(into.dataDir, 'postmaster.pid'))) throw new JobError(`the scratch cluster stopped before it reached the target: ${logTail(log)}`);
      if (Date.now() > end) throw new JobError(`the scratch cluster did not reach the target within ${Math.round(timeoutMs / 1000)} s: ${logTail(log)}`);
      if (signal?.aborted) throw new JobError('interrupted');
      await new Promise((res) => setTimeout(res, 250));
    }
    logger.info({ dataDir: into.dataDir, port: into.port }, 'scratch cluster promoted');
    return cluster;
  } catch (e) {
    await cluster.remove();
    throw e;
  }
}

/** Stops the cluster in `dataDir` cleanly (pg_ctl stop -m fast: a shutdown checkpoint, so it starts elsewhere without its WAL folder); undefined, or why it did not. */
export async function stopScratch(dataDir: string, logger: Logger): Promise<string | undefined> {
  const [cmd, ...args] = [...asPostgres(), pgTool(pgBinDir(), 'pg_ctl'), '-D', dataDir, '-m', 'fast', '-w', '-t', '600', 'stop'];
  const r = await runCommand(cmd!, args, { logger, quiet: true, timeoutMs: 660_000 });
  if (r.exitCode !== 0) return `pg_ctl stop exited ${r.exitCode ?? r.signal}: ${logTail(join(dataDir, 'recovery.log'))}`;
  return existsSync(join(dataDir, 'postmaster.pid')) ? 'its postmaster.pid is still there' : undefined;
}

/** The last lines of the scratch cluster's log, for an error. */
function logTail(log: string): string {
  try {
    const lines = readFileSync(log, 'utf8').trim().split('\n').filter((l) => /FATAL|ERROR|PANIC|LOG:  (recovery|redo|database system)/.test(l));
    return lines.slice(-4).join(' | ') || 'its log is empty';
  } catch {
    return 'no log written';
  }
}


/**
 * Recovers `plan` in a scratch cluster under `dir` (a new folder the postgres user can reach) and
 * dumps each of `databases` from it (`pg_dump --format=custom`, as `user`) into `dumpDir`; the
 * cluster is stopped and deleted before it returns. Throws JobError / ToolError.
 */
export async function dumpAtPoint(
  borg: BorgContext,
  plan: PitrPlan,
  p: { dir: string; dumpDir: string; receivedWal: string; databases: readonly string[]; user: string; logger: Logger; timeoutMs: number; signal?: AbortSignal },
): Promise<{ dumps: Array<{ database: string; file: string }>; walFiles: number; newestSegment?: string; time?: IntoResult['time'] }> {
  const into = await restoreInto(borg, plan, join(p.dir, 'data'), p.receivedWal, p.logger, { port: await freePort(), timeoutMs: p.timeoutMs, signal: p.signal });
  const cluster = await startScratch(into, p.user, p.logger, p.timeoutMs, p.signal);
  try {
    const outDir = p.dumpDir;
    mkdirSync(outDir, { recursive: true, mode: 0o700 });
    const engine = getEngine('postgres');
    const run = localRunner({ logger: p.logger, signal: p.signal, timeoutMs: p.timeoutMs });
    const out: Array<{ database: string; file: string }> = [];
    for (const [i, database] of p.databases.entries()) {
      const file = join(outDir, `${i + 1}-${database.replace(/[^A-Za-z0-9_.-]/g, '_')}.pitr.dump`);
      await run.run(engine.dumpArgv({ host: cluster.socketDir, port: cluster.port, user: p.user }, database, file), { reason: `pg_dump of ${database} from the scratch cluster failed` });
      out.push({ database, file });
    }
    return { dumps: out, walFiles: into.walFiles, ...(into.newestSegment ? { newestSegment: into.newestSegment } : {}), ...(into.time ? { time: into.time } : {}) };
  } finally {
    await cluster.remove();
  }
}

/**
 * A new folder for a scratch cluster under the system's temporary folder (TMPDIR): the state dir is
 * 0700 (it holds dumps), so the postgres user could not reach a cluster inside it. 0700, the
 * postgres user's when run as root; throws ToolError when it cannot be given to it.
 */
export async function scratchFolder(logger: Logger): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'pullback-pitr-'));
  // Whose it is: a restore killed before it removed its cluster is found by the next one (sweepScratch).
  claimScratch(dir, 0o644);
  if (userInfo().uid === 0) {
    const r = await runCommand('chown', ['--', 'postgres:postgres', dir], { logger, quiet: true, timeoutMs: 30_000 });
    if (r.exitCode !== 0) throw toolErrorFrom(r, `cannot give ${dir} to the postgres user`);
  }
  return dir;
}

/** Undefined when the postgres user (as root; else this user) can enter `dir`, else why not (its parents lack the x bit for it). */
export async function unreachableByPostgres(dir: string, logger: Logger): Promise<string | undefined> {
  if (userInfo().uid !== 0) return undefined;
  const r = await runCommand('runuser', ['-u', 'postgres', '--', 'test', '-x', dir], { logger, quiet: true, timeoutMs: 30_000 });
  return r.exitCode === 0 ? undefined : `the postgres user cannot reach ${dir}, where the scratch cluster is built: give its parents the x bit for others (chmod o+x), or set TMPDIR to a folder it can reach`;
}

/**
 * Scratch clusters (and their folders) of point-in-time restores whose process is gone (killed, or
 * the machine restarted): each still running is stopped (pg_ctl stop -m immediate), then its folder
 * removed; also `<stateDir>/restore/pitr-<pid>` folders of gone processes. Returns what it removed,
 * for the log; never throws.
 */
export async function sweepScratch(restoreDir: string, logger: Logger): Promise<string[]> {
  const removed: string[] = [];
  const bin = pgBinDir();
  for (const { dir, owner } of orphanedScratch('pullback-pitr-')) {
    try {
      const data = join(dir, 'data');
      if (existsSync(join(data, 'postmaster.pid'))) {
        const [cmd, ...args] = [...asPostgres(), pgTool(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', '-t', '60', 'stop'];
        await runCommand(cmd!, args, { logger, quiet: true, timeoutMs: 90_000 }).catch(() => undefined);
      }
      rmSync(dir, { recursive: true, force: true });
      rmSync(`${data}.wal`, { recursive: true, force: true });
      removed.push(`${dir} (restore --at of process ${owner.pid})`);
    } catch {
      // Left for the next sweep.
    }
  }
  try {
    for (const n of readdirSync(restoreDir).filter((x) => /^pitr-\d+$/.test(x))) {
      const pid = Number(n.slice(5));
      if (pid === process.pid || !isGone({ pid })) continue;
      rmSync(join(restoreDir, n), { recursive: true, force: true });
      removed.push(`${join(restoreDir, n)} (restore --at of process ${pid})`);
    }
  } catch {
    // no restore folder yet
  }
  if (removed.length) logger.warn({ removed }, `removed what killed point-in-time restores left: ${removed.join(', ')}`);
  return removed;
}
