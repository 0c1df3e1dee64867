// A whole-cluster restore (`restore --at T --whole-cluster`) and its rollback, each as one table of
// steps that runClusterSteps walks: per row its gate (`when`: only while every step before it
// succeeded, or `always` once a given step ran), whether it changes the server (the outcome says
// whether nothing changed or names the rollback), and what it runs. The runner records every step in
// the catalog (restore_steps: pending, running, its end; skipped with the reason).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { DbConnection, GlobalConfig, HostConfig, PitrServerConfig, SourceConfig } from '../config/types.js';
import { describeError } from '../errors.js';
import { getEngine } from '../engines/registry.js';
import { extractArchive } from '../tools/borg/extract.js';
import type { BorgContext } from '../tools/borg/run.js';
import type { SshSession } from '../tools/ssh/client.js';
import type { SshMux } from '../tools/ssh/mux.js';
import { asideName, existsRemote, inRecovery, installDataDirectory, readDataDirectory, readServerCluster, remote, remoteAll, rolledBackName, spaceOf, tablespacesOf, type ServerCluster } from './cluster-server.js';
import { archivedPitrPaths } from './paths.js';
import { pitrReadiness, type PitrCheck } from './readiness.js';
import { restoreInto, type IntoResult } from './restore-into.js';
import type { PitrPlan } from './restore-plan.js';
import { freePort, startScratch, stopScratch } from './scratch-cluster.js';

/** What the rows of one whole-cluster restore (or rollback) read and write. */
export interface ClusterRun {
  global: GlobalConfig;
  host: HostConfig;
  source: SourceConfig;
  server: PitrServerConfig;
  /** The source's dump login, used on the server for its questions and checks. */
  conn: DbConnection;
  session: SshSession;
  mux?: SshMux;
  borg: BorgContext;
  logger: Logger;
  signal?: AbortSignal;
  out: (text: string) => void;
  /** The restore's id (names the data directory kept aside). */
  id: number;
  /** Restore: the plan; its scratch folder (reachable by the postgres user) and received WAL. */
  plan?: PitrPlan;
  scratchDir?: string;
  receivedWal?: string;
  timeoutMs: number;
  /** Called just before the data directory is moved aside (recorded first: a restore killed right after the rename still names its rollback). */
  onSnapshot?: (aside: string) => void;
  /** Rollback: the restore rolled back. */
  rollbackOf?: number;
  /** Filled as the rows run. */
  facts?: ServerCluster;
  recovered?: IntoResult;
  checklist?: PitrCheck[];
  checks?: PitrCheck[];
}

export interface ClusterRow {
  kind: string;
  /** Gate: `ok` runs only while every row before it succeeded; `after:KIND` runs whatever happened once row KIND ran (start_writes). */
  when: 'ok' | `after:${string}`;
  /** Whether its start means the server may have changed (the outcome names the rollback from then on). */
  changes: boolean;
  run(r: ClusterRun): Promise<{ ok: true; summary: string } | { ok: false; error: string }>;
}

const ok = (summary: string) => ({ ok: true as const, summary });
const fail = (error: string) => ({ ok: false as const, error });

/** The whole-cluster restore, in order. */
export const CLUSTER_RESTORE_STEPS: readonly ClusterRow[] = [
  {
    // Everything read back before anything runs: base backup and WAL, and the server's side.
    kind: 'readiness',
    when: 'ok',
    changes: false,
    run: async (r) => {
      const items = await clusterReadiness(r);
      r.checklist = items;
      const failed = items.filter((i) => i.status === 'fail');
      return failed.length ? fail(`${failed.map((i) => `${i.name}: ${i.figure}`).join('; ')}`) : ok(`${items.length} item(s) passed`);
    },
  },
  {
    // Proven on the backup host first: started, reached the point, promoted; then stopped cleanly.
    kind: 'recover',
    when: 'ok',
    changes: false,
    run: async (r) => {
      const into = await restoreInto(r.borg, r.plan!, join(r.scratchDir!, 'data'), r.receivedWal!, r.logger, { port: await freePort(), timeoutMs: r.timeoutMs, signal: r.signal });
      r.recovered = into;
      const cluster = await startScratch(into, r.conn.user, r.logger, r.timeoutMs, r.signal);
      const stopped = await stopScratch(cluster.dataDir, r.logger);
      if (stopped) return fail(`the recovered cluster did not stop cleanly: ${stopped}`);
      cleanRecovered(into);
      return ok(`recovered from ${r.plan!.base.archive} and ${into.walFiles} WAL file(s) up to ${into.newestSegment ?? '-'} in a scratch cluster: started, promoted, stopped`);
    },
  },
  {
    kind: 'stop_writes',
    when: 'ok',
    changes: true,
    run: (r) => hooks(r, r.host.restore.stopWrites, 'no restore.stop_writes configured'),
  },
  {
    kind: 'stop_server',
    when: 'ok',
    changes: true,
    run: (r) => stopServer(r),
  },
  {
    // The safety snapshot: the data directory renamed aside on its own file system (kept until removed by hand).
    kind: 'snapshot',
    when: 'ok',
    changes: true,
    run: async (r) => {
      const aside = asideName(r.server.dataDirectory, r.id);
      r.onSnapshot?.(aside);
      const e = await remoteAll(r.session, [['mv', '-T', '--', r.server.dataDirectory, aside]], r.signal);
      return e ? fail(e) : ok(`${r.server.dataDirectory} moved aside to ${aside}`);
    },
  },
  {
    kind: 'push',
    when: 'ok',
    changes: true,
    run: async (r) => {
      const e = await installDataDirectory({ global: r.global, host: r.host, session: r.session, mux: r.mux, server: r.server, from: r.recovered!.dataDir, id: r.id, logger: r.logger, signal: r.signal });
      return e ? fail(e) : ok(`the recovered data directory pushed to ${r.server.dataDirectory} (owner ${r.server.owner}, mode 0700)`);
    },
  },
  {
    kind: 'start_server',
    when: 'ok',
    changes: true,
    run: (r) => startServer(r),
  },
  {
    kind: 'checks',
    when: 'ok',
    changes: true,
    run: (r) => postChecks(r, true),
  },
  {
    kind: 'start_writes',
    when: 'after:stop_writes',
    changes: true,
    run: (r) => hooks(r, r.host.restore.startWrites, 'no restore.start_writes configured', true),
  },
];

/** The rollback of a whole-cluster restore, in order: the kept data directory renamed back. */
export const CLUSTER_ROLLBACK_STEPS: readonly ClusterRow[] = [
  {
    kind: 'readiness',
    when: 'ok',
    changes: false,
    run: async (r) => {
      const aside = asideName(r.server.dataDirectory, r.rollbackOf!);
      const kept = await existsRemote(r.session, aside, r.signal).catch((e: unknown) => describeError(e));
      if (kept !== true) return fail(kept === false ? `${aside} is not on ${r.host.name} (removed by hand?): nothing to put back` : kept);
      const taken = rolledBackName(r.server.dataDirectory, r.rollbackOf!);
      if ((await existsRemote(r.session, taken, r.signal)) === true) return fail(`${taken} exists already (an earlier rollback of the same restore): move it away first`);
      return ok(`${aside} is there`);
    },
  },
  { kind: 'stop_writes', when: 'ok', changes: true, run: (r) => hooks(r, r.host.restore.stopWrites, 'no restore.stop_writes configured') },
  { kind: 'stop_server', when: 'ok', changes: true, run: (r) => stopServer(r) },
  {
    kind: 'swap',
    when: 'ok',
    changes: true,
    run: async (r) => {
      const aside = asideName(r.server.dataDirectory, r.rollbackOf!);
      const taken = rolledBackName(r.server.dataDirectory, r.rollbackOf!);
      const present = await existsRemote(r.session, r.server.dataDirectory, r.signal);
      const e = await remoteAll(r.session, [...(present ? [['mv', '-T', '--', r.server.dataDirectory, taken]] : []), ['mv', '-T', '--', aside, r.server.dataDirectory]], r.signal);
      return e ? fail(e) : ok(`${aside} put back at ${r.server.dataDirectory}${present ? `; the restored one kept at ${taken}` : ''}`);
    },
  },
  { kind: 'start_server', when: 'ok', changes: true, run: (r) => startServer(r) },
  { kind: 'checks', when: 'ok', changes: true, run: (r) => postChecks(r, false) },
  { kind: 'start_writes', when: 'after:stop_writes', changes: true, run: (r) => hooks(r, r.host.restore.startWrites, 'no restore.start_writes configured', true) },
];

export interface ClusterOutcome {
  status: 'ok' | 'failed';
  /** The first row that failed, and whether the server had changed by then (a row that changes it had begun). */
  stoppedAt?: { kind: string; error: string; changed: boolean };
  lines: Array<{ kind: string; status: 'ok' | 'failed' | 'skipped'; detail: string }>;
}

/** Walks `rows` for `r`, recording each in `recorder`; never throws (a throwing row is a failed row). */
/** Where the steps are recorded: the restore's recorder (restore/record.ts, handed over by the command; a feature does not import another). */
export interface StepRecorder {
  plan(kind: string): number;
  begin(stepId: number): void;
  end(stepId: number, status: 'ok' | 'failed' | 'skipped', error?: string): void;
}

export async function runClusterSteps(rows: readonly ClusterRow[], r: ClusterRun, recorder: StepRecorder, onStep?: (line: ClusterOutcome['lines'][number]) => void): Promise<ClusterOutcome> {
  const ids = rows.map((row) => recorder.plan(row.kind));
  const ran = new Set<string>();
  const out: ClusterOutcome = { status: 'ok', lines: [] };
  for (const [i, row] of rows.entries()) {
    const gate = row.when === 'ok' ? out.stoppedAt === undefined : ran.has(row.when.slice('after:'.length));
    if (!gate) {
      const why = out.stoppedAt ? `not run: ${out.stoppedAt.kind} failed` : `not run: ${row.when.slice('after:'.length)} did not run`;
      recorder.end(ids[i]!, 'skipped', why);
      push({ kind: row.kind, status: 'skipped', detail: why });
      continue;
    }
    recorder.begin(ids[i]!);
    ran.add(row.kind);
    let res: Awaited<ReturnType<ClusterRow['run']>>;
    try {
      res = await row.run(r);
    } catch (e) {
      res = fail(describeError(e));
    }
    recorder.end(ids[i]!, res.ok ? 'ok' : 'failed', res.ok ? undefined : res.error);
    push({ kind: row.kind, status: res.ok ? 'ok' : 'failed', detail: res.ok ? res.summary : res.error });
    if (!res.ok && out.stoppedAt === undefined) {
      out.status = 'failed';
      out.stoppedAt = { kind: row.kind, error: res.error, changed: rows.slice(0, i + 1).some((x) => x.changes && ran.has(x.kind)) };
    }
  }
  return out;
  function push(line: ClusterOutcome['lines'][number]): void {
    out.lines.push(line);
    onStep?.(line);
  }
}

/** The readiness checklist: what the restore reads (base backup, WAL), and the server's cluster, version and space. */
export async function clusterReadiness(r: ClusterRun): Promise<PitrCheck[]> {
  const items = await pitrReadiness(r.borg, r.plan!, r.receivedWal!, r.logger, r.timeoutMs);
  const server = `the cluster it replaces on ${r.host.name}`;
  // From its data directory (works with the server stopped or broken), then, when it answers, checked against the running server.
  let disk: { major: string; systemIdentifier: string } | undefined;
  try {
    disk = await readDataDirectory(r.session, r.server.dataDirectory, r.signal);
  } catch (e) {
    items.push({ name: server, status: 'fail', figure: describeError(e) });
  }
  if (disk) {
    try {
      const live = await readServerCluster(r.session, r.conn, r.signal);
      const same = live.dataDirectory.replace(/\/+$/, '') === r.server.dataDirectory && live.systemIdentifier === disk.systemIdentifier;
      r.facts = live;
      items.push({
        name: server,
        status: same ? 'pass' : 'fail',
        figure: same
          ? `data directory ${live.dataDirectory}, PostgreSQL ${majorOf(live.versionNum)} (${live.versionNum}), system identifier ${live.systemIdentifier}; running`
          : `the server runs from ${live.dataDirectory} (system identifier ${live.systemIdentifier}), pitr.server.data_directory says ${r.server.dataDirectory} (system identifier ${disk.systemIdentifier})`,
      });
    } catch (e) {
      r.facts = { dataDirectory: r.server.dataDirectory, versionNum: Number(disk.major) * 10000, systemIdentifier: disk.systemIdentifier };
      items.push({ name: server, status: 'pass', figure: `data directory ${r.server.dataDirectory}, PostgreSQL ${disk.major}, system identifier ${disk.systemIdentifier}; read from the data directory: the server does not answer (${describeError(e)})` });
    }
    try {
      const spaces = await tablespacesOf(r.session, r.server.dataDirectory, r.signal);
      items.push({ name: 'tablespaces', status: spaces.length ? 'fail' : 'pass', figure: spaces.length ? `${spaces.length} outside the data directory (${spaces.join(', ')}): a whole-cluster restore puts back the data directory only` : 'none outside the data directory' });
    } catch (e) {
      items.push({ name: 'tablespaces', status: 'fail', figure: `pg_tblspc not read: ${describeError(e)}` });
    }
  }
  const version = 'the PostgreSQL major version';
  try {
    const base = await baseBackupMajor(r);
    const live = disk?.major;
    items.push(live === undefined ? { name: version, status: 'fail', figure: `the base backup's is ${base}; the server's is unknown` } : { name: version, status: base === live ? 'pass' : 'fail', figure: `the base backup's ${base}, the server's ${live}` });
  } catch (e) {
    items.push({ name: version, status: 'fail', figure: `the base backup's PG_VERSION not read: ${describeError(e)}` });
  }
  const space = `free space on ${r.host.name} for the data directory twice`;
  const s = await spaceOf(r.session, r.server.dataDirectory, r.signal);
  if ('error' in s) items.push({ name: space, status: 'fail', figure: s.error });
  else {
    const need = 2 * s.usedKiB;
    items.push({ name: space, status: s.freeKiB >= need ? 'pass' : 'fail', figure: `${mib(s.freeKiB)} free beside ${r.server.dataDirectory}, ${mib(need)} needed (twice its ${mib(s.usedKiB)}: the old one stays aside)` });
  }
  return items;
}

const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;
const majorOf = (versionNum: number) => String(Math.floor(versionNum / 10000));

/** The base backup's PG_VERSION, extracted alone from its archive. */
async function baseBackupMajor(r: ClusterRun): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'pullback-pgversion-'));
  try {
    const path = `${archivedPitrPaths(r.plan!.source).base}/PG_VERSION`;
    await extractArchive(r.borg, r.plan!.repository, r.plan!.base.archive, dir, { prefix: [path] });
    return readFileSync(join(dir, path), 'utf8').trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The recovered data directory as the server's own: pullback's recovery settings and the scratch cluster's files taken out. */
function cleanRecovered(into: IntoResult): void {
  const auto = join(into.dataDir, 'postgresql.auto.conf');
  const text = readFileSync(auto, 'utf8');
  const at = text.lastIndexOf('\n# pullback restore --at: ');
  if (at >= 0) writeFileSync(auto, text.slice(0, at + 1));
  for (const f of ['recovery.log', 'pullback-scratch-hba.conf', 'postmaster.opts', 'recovery.signal', 'standby.signal']) rmSync(join(into.dataDir, f), { force: true });
  const conf = join(into.dataDir, 'postgresql.conf');
  if (existsSync(conf) && readFileSync(conf, 'utf8').startsWith('# written by pullback restore --at')) rmSync(conf);
}

async function hooks(r: ClusterRun, commands: string[][], none: string, keepGoing = false): Promise<{ ok: true; summary: string } | { ok: false; error: string }> {
  if (commands.length === 0) return ok(none);
  const errors: string[] = [];
  for (const argv of commands) {
    // start_writes (keepGoing) runs to its end even after an interruption: the application must come back.
    const x = await remote(r.session, argv, keepGoing ? undefined : r.signal);
    if (!x.ok) {
      errors.push(x.error);
      if (!keepGoing) break;
    }
  }
  return errors.length ? fail(errors.join('; ')) : ok(`${commands.length} command(s) exited 0`);
}

async function stopServer(r: ClusterRun): Promise<{ ok: true; summary: string } | { ok: false; error: string }> {
  const e = await remoteAll(r.session, r.server.stop, r.signal);
  // Measured, not assumed: a stopped PostgreSQL has removed its postmaster.pid (a crashed one leaves it: refused).
  const pid = `${r.server.dataDirectory}/postmaster.pid`;
  const running = await existsRemote(r.session, pid, r.signal);
  if (e && running) return fail(e);
  if (running) return fail(`pitr.server.stop exited 0 but ${pid} is still there: PostgreSQL still runs`);
  // A stop command that fails on a server that was not running (pg_ctl stop exits 1) leaves it stopped: that is the aim.
  return ok(e ? `not running (no postmaster.pid; the stop command said: ${e})` : `stopped (${r.server.stop.length} command(s); no postmaster.pid left)`);
}

async function startServer(r: ClusterRun): Promise<{ ok: true; summary: string } | { ok: false; error: string }> {
  const e = await remoteAll(r.session, r.server.start, r.signal);
  return e ? fail(e) : ok(`started (${r.server.start.length} command(s))`);
}

/** It answers, is out of recovery, is the same cluster (system identifier), and the source's SQL checks hold. */
async function postChecks(r: ClusterRun, configured: boolean): Promise<{ ok: true; summary: string } | { ok: false; error: string }> {
  const items: PitrCheck[] = [];
  // A server started by a command that does not wait may take a moment to accept connections.
  let st = await inRecovery(r.session, r.conn, r.signal);
  for (let n = 0; n < 60 && (!st.ok || st.inRecovery); n++) {
    await new Promise((res) => setTimeout(res, 1000));
    st = await inRecovery(r.session, r.conn, r.signal);
  }
  items.push(st.ok ? { name: 'it answers', status: 'pass', figure: 'SELECT ran' } : { name: 'it answers', status: 'fail', figure: st.error });
  if (st.ok) {
    items.push({ name: 'pg_is_in_recovery()', status: st.inRecovery ? 'fail' : 'pass', figure: st.inRecovery ? 'true: still in recovery' : 'false' });
    if (r.facts) items.push({ name: 'system identifier', status: st.systemIdentifier === r.facts.systemIdentifier ? 'pass' : 'fail', figure: `${st.systemIdentifier} (the replaced cluster's ${r.facts.systemIdentifier})` });
  }
  if (configured && st.ok) {
    for (const c of r.host.restore.checks.filter((x) => x.sql?.source === r.source.name)) {
      const q = await remote(r.session, getEngine('postgres').queryArgv(r.conn, c.sql!.database, c.sql!.query), r.signal);
      const got = q.ok ? q.stdout.trim() : undefined;
      items.push({ name: `check "${c.name}"`, status: got === c.sql!.expect ? 'pass' : 'fail', figure: q.ok ? `returned ${JSON.stringify(got)}, expected ${JSON.stringify(c.sql!.expect)}` : q.error });
    }
  }
  r.checks = items;
  const failed = items.filter((i) => i.status === 'fail');
  return failed.length ? fail(failed.map((i) => `${i.name}: ${i.figure}`).join('; ')) : ok(items.map((i) => `${i.name}: ${i.figure}`).join('; '));
}
