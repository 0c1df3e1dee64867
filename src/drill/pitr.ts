// The PITR drill of a host (the drill table's `pitr` row): for each PostgreSQL source with pitr:, a
// point inside its recovery window (drawn with the drill's seed, or --at), recovered in a scratch
// cluster on this host exactly as `restore --at` recovers one; its recovery time measured (extraction,
// WAL replay, the two together: the RTO); proven to have stopped exactly at the point: pg_waldump
// reads the commits around it from the same WAL, and the recovered cluster must hold the last one at
// or before the point committed and the first after it not (pg_xact_status), its log naming the same
// stop. A point no transaction ended after (a server idle since) is recovered, as restore --at does,
// to the WAL's end: the last commit at or before it must be committed, and the last transaction the
// cluster replayed must be the WAL's last (nothing after it exists). Then the host's SQL restore checks
// of the source run against it. The cluster is always removed.
import { describeError, JobError } from '../errors.js';
import { ENGINE_CONNECTION } from '../config/defaults.js';
import type { SourceConfig } from '../config/types.js';
import { runCommand } from '../exec/run.js';
import { pgBinDir, pgTool } from '../engines/postgres-wal.js';
import { getEngine } from '../engines/registry.js';
import { localRunner } from '../engines/runner.js';
import type { CheckResult } from './databases.js';
import { checkPasses, checksFor } from './database-plan.js';
import { drawPoint, fullXid, lastCompletedOf, stoppedBeforeOf, stopProblems, walEndProblems } from './pitr-point.js';
import type { PitrDrillResult, RecoveredCluster, XactRef } from './pitr-result.js';
import { seededRandom } from './random.js';
import type { DrillRun } from './state.js';

/** The host's sources a PITR drill recovers: PostgreSQL dumps with pitr:. */
export function pitrSources(sources: readonly SourceConfig[]): SourceConfig[] {
  return sources.filter((s) => s.pitr !== undefined && s.dump?.engine === 'postgres');
}

/** The `pitr` row: one PITR drill per source, in r.pitr; never throws for a source's own failure. */
export async function drillPitr(d: DrillRun): Promise<void> {
  const { ctx } = d;
  if (d.opts.pitrNotDrilled) {
    d.r.warnings.push(`point-in-time recovery of ${pitrSources(ctx.host.sources).map((s) => s.name).join(', ')} not drilled: ${d.opts.pitrNotDrilled}`);
    return;
  }
  const recovery = d.opts.pitr;
  if (recovery) await recovery.sweep();
  for (const source of pitrSources(ctx.host.sources)) {
    if (ctx.signal?.aborted) break;
    let r: PitrDrillResult;
    try {
      r = await drillOne(d, source);
    } catch (e) {
      r = { source: source.name, status: 'failed', checks: [], error: describeError(e) };
    }
    ctx.logger.info({ source: source.name, status: r.status, target: r.target, rtoMs: r.rtoMs, error: r.error }, 'PITR drill result');
    d.r.pitr.push(r);
  }
}

async function drillOne(d: DrillRun, source: SourceConfig): Promise<PitrDrillResult> {
  const { ctx, opts } = d;
  const host = ctx.host.name;
  const base: PitrDrillResult = { source: source.name, status: 'failed', checks: [] };
  if (!opts.pitr) return { ...base, status: 'unverified', error: 'this drill was not given point-in-time recovery to run with' };
  const w = opts.pitr.window(host, source.name);
  if (!w.ok) return { ...base, status: 'unverified', error: `no recovery window to drill: ${w.reason}` };
  // Its own stream of the seed: the file sample stays what the same seed drew before PITR existed.
  const at = opts.pitrAt ?? drawPoint(seededRandom(opts.seed, `${host}\0pitr\0${source.name}`), w.oldest, w.newest);
  const r: PitrDrillResult = { ...base, target: at.toISOString(), chosen: opts.pitrAt ? 'given' : 'random', window: { oldest: w.oldest.toISOString(), newest: w.newest.toISOString() } };
  const user = source.dump?.connection.user ?? ENGINE_CONNECTION.postgres.user;
  const timeoutMs = ctx.global.dumpTimeoutSeconds * 1000;
  let cluster: RecoveredCluster;
  try {
    cluster = await opts.pitr.recover({ host, source: source.name, at, user, timeoutMs, signal: ctx.signal });
  } catch (e) {
    return { ...r, error: `could not recover to ${r.target}: ${describeError(e)}` };
  }
  try {
    Object.assign(r, {
      baseArchive: cluster.baseArchive,
      walArchives: cluster.walArchives,
      walFiles: cluster.walFiles,
      extractMs: cluster.extractMs,
      replayMs: cluster.replayMs,
      rtoMs: cluster.extractMs + cluster.replayMs,
    });
    const problems: string[] = [];
    // Where it must have stopped, read from the WAL it replayed (before it did: pitr/); what it holds, asked of it.
    const expected = cluster.around;
    Object.assign(r, { lastCommit: ref(expected.lastCommit), stop: ref(expected.stop), firstCommitAfter: ref(expected.firstCommitAfter) });
    const xids = [expected.lastCommit?.xid, expected.firstCommitAfter?.xid].filter((x): x is string => x !== undefined);
    const status = await xactStatus(d, cluster, user, xids);
    const log = cluster.log();
    const seen = { status, stoppedBefore: stoppedBeforeOf(log), lastCompletedUs: lastCompletedOf(log) };
    problems.push(...(cluster.toWalEnd ? walEndProblems(expected, seen) : stopProblems(expected, seen)));
    if (cluster.toWalEnd) r.note = `${cluster.walEndNote ?? "no transaction ended after the point in the WAL: recovered to the WAL's end"}${expected.lastEnd ? ` (the last transaction it replayed: the ${expected.lastEnd.kind} of ${expected.lastEnd.xid} at ${expected.lastEnd.time}, the WAL's last; nothing after it exists)` : ''}`;
    else if (!expected.lastCommit && expected.stop) r.note = 'no transaction committed between the base backup and the point: the cluster is the base backup replayed to it';
    r.checks = await sqlChecks(d, source, cluster, user);
    for (const c of r.checks.filter((x) => !x.ok)) problems.push(`check '${c.name}' ${c.error ? `failed: ${c.error}` : `returned ${JSON.stringify(c.got)}, expected ${JSON.stringify(c.expected)}`}`);
    if (ctx.signal?.aborted) problems.push('interrupted');
    if (problems.length > 0) return { ...r, status: 'failed', error: problems.join('; ') };
    return { ...r, status: 'ok' };
  } finally {
    await cluster.remove();
  }
}

const ref = (x: XactRef | undefined): XactRef | undefined => (x ? { xid: x.xid, time: x.time, lsn: x.lsn, kind: x.kind } : undefined);

/** pg_xact_status of each of `xids` in the recovered cluster (an id it has not reached yet: 'not assigned'). */
async function xactStatus(d: DrillRun, c: RecoveredCluster, user: string, xids: readonly string[]): Promise<Map<string, string>> {
  const psql = async (sql: string): Promise<string> => {
    const r = await runCommand(pgTool(pgBinDir(), 'psql'), ['-h', c.socketDir, '-p', String(c.port), '-U', user, '-d', 'template1', '-X', '-A', '-t', '-q', '-w', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
      logger: d.ctx.logger,
      quiet: true,
      timeoutMs: 60_000,
      signal: d.ctx.signal,
      captureStdout: true,
    });
    if (r.exitCode !== 0) throw new JobError(`the recovered cluster did not answer ${JSON.stringify(sql)}: ${r.stderrTail.slice(-2).join(' | ')}`);
    return String(r.stdout ?? '').trim();
  };
  const next = BigInt(await psql('SELECT pg_snapshot_xmax(pg_current_snapshot())'));
  const out = new Map<string, string>();
  for (const xid of xids) {
    const full = fullXid(xid, next);
    out.set(xid, full >= next ? 'not assigned' : (await psql(`SELECT coalesce(pg_xact_status('${full}'::xid8), 'unknown (too old)')`)) || 'unknown');
  }
  return out;
}

/** The host's SQL restore checks of `source` (database drills run the same), against the recovered cluster. */
async function sqlChecks(d: DrillRun, source: SourceConfig, c: RecoveredCluster, user: string): Promise<CheckResult[]> {
  const { ctx } = d;
  const listed = source.dump?.databases;
  const checks = Array.isArray(listed)
    ? listed.flatMap((db) => checksFor(ctx.host.restore.checks, source.name, db))
    : ctx.host.restore.checks.filter((x) => x.sql?.source === source.name).flatMap((x) => checksFor([x], source.name, x.sql!.database));
  const engine = getEngine('postgres');
  const run = localRunner({ logger: ctx.logger, signal: ctx.signal, timeoutMs: ctx.global.dumpTimeoutSeconds * 1000 });
  const conn = { host: c.socketDir, port: c.port, user };
  const out: CheckResult[] = [];
  for (const x of checks) {
    try {
      const got = (await run.run(engine.queryArgv(conn, x.sql.database, x.sql.query), { reason: `check '${x.name}' failed` })).trim();
      out.push({ name: x.name, ok: checkPasses(got, x.sql.expect), got, expected: x.sql.expect });
    } catch (e) {
      out.push({ name: x.name, ok: false, expected: x.sql.expect, error: describeError(e) });
    }
  }
  return out;
}
