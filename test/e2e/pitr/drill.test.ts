// The PITR drill end to end, with real parts: a PostgreSQL cluster behind the harness sshd, its WAL
// received by `pullback daemon`, a night's base backup archived by borg, a ledger written one
// transaction at a time around a marker at T (track_commit_timestamp on, autovacuum off: the
// ledger's inserts are the only transactions, so the server's own commit timestamps name exactly the
// transactions around T). `pullback drill --at T` recovers a scratch cluster to T and passes, naming
// the last transaction committed at or before T (applied) and the first after it (not), the SQL
// checks (the ledger's row count at T, the marker) passing against it, the RTO measured and recorded;
// a random point drawn from the window passes too; the scratch cluster is gone after each drill and
// after a SIGTERM in the middle of one; a point after the last transaction of an idle server passes
// (recovered to the WAL's end). Failures, each naming why: a check that does not hold at T, and a WAL
// segment removed from what pullback holds (the gap).
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { CLI_PATH, ledgerAroundMarker, pitrWorld, queryCatalog, schemaProblems, type PitrWorld } from '../../harness/index.js';

interface Xact {
  xid: string;
  time: string;
}
interface PitrJson {
  source: string;
  status: string;
  target: string | null;
  chosen: string | null;
  window: { oldest: string; newest: string } | null;
  rto_seconds: number | null;
  extraction_seconds: number | null;
  replay_seconds: number | null;
  last_commit: Xact | null;
  stopped_before: Xact | null;
  first_commit_after: Xact | null;
  checks: Array<{ name: string; ok: boolean; got: string | null }>;
  error: string | null;
}
interface DrillDoc {
  drills: Array<{ status: string; pitr: PitrJson[] }>;
}

/** Whether process `pid` runs (a zombie does not). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** The scratch folder (under TMPDIR) a pullback process `pid` made, if any: its owner file names the pid. */
function scratchOf(pid: number): string | undefined {
  for (const n of readdirSync(tmpdir()).filter((x) => x.startsWith('pullback-pitr-'))) {
    try {
      const owner = JSON.parse(readFileSync(join(tmpdir(), n, 'pullback-owner.json'), 'utf8')) as { pid: number };
      if (owner.pid === pid) return join(tmpdir(), n);
    } catch {
      // another process's folder being made or removed
    }
  }
  return undefined;
}

/**
 * Runs `pullback drill ARGS` as a child whose scratch folder is watched: returns its output, exit
 * code, the scratch folder it made (seen while it ran) and the postmaster's pid seen in it.
 */
async function watchedDrill(w: PitrWorld, args: string[], opts: { killWhenRunning?: boolean } = {}): Promise<{ exitCode: number | undefined; stdout: string; stderr: string; scratch?: string; postmaster?: number }> {
  const child = execa(process.execPath, [CLI_PATH, '--config', w.cfg.configPath, 'drill', '--host', 'main', ...args], { reject: false, stdin: 'ignore', env: { NO_COLOR: '1' }, timeout: 300_000 });
  let scratch: string | undefined;
  let postmaster: number | undefined;
  let done = false;
  void child.finally(() => (done = true));
  while (!done) {
    scratch ??= scratchOf(child.pid!);
    const pidFile = scratch && join(scratch, 'data', 'postmaster.pid');
    if (pidFile && postmaster === undefined && existsSync(pidFile)) {
      const n = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
      if (n > 0) postmaster = n;
    }
    if (opts.killWhenRunning && postmaster !== undefined) {
      child.kill('SIGTERM');
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const r = await child;
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr), scratch, postmaster };
}

/** Adds SQL restore checks of source db to the host's config file. */
function setChecks(w: PitrWorld, checks: Array<{ name: string; query: string; expect: string }>): void {
  const file = w.cfg.hostFile('main');
  const host = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  host.restore = { checks: checks.map((c) => ({ name: c.name, sql: { source: 'db', database: 'appdb', query: c.query, expect: c.expect } })) };
  writeFileSync(file, stringify(host));
}

describe('the PITR drill', () => {
  it('recovers to T exactly (the last commit at or before T applied, the first after not), runs the checks, records the RTO; removes its cluster (also on SIGTERM); a point after the last transaction passes; a failed check and a WAL gap fail it', async () => {
    const w = await pitrWorld({ pgConf: ['track_commit_timestamp = on', 'autovacuum = off'] });
    await w.pg.sql('appdb', 'CREATE TABLE ledger (id serial PRIMARY KEY, note text NOT NULL);');
    const daemon = await w.receiving();

    // No base backup yet: nothing to recover to, said as UNVERIFIED (the file drill has no archive: failed).
    const early = await w.run('drill', '--host', 'main', '--json');
    expect(early.exitCode, early.stdout + early.stderr).toBe(1);
    const earlyPitr = (JSON.parse(early.stdout) as DrillDoc).drills[0]!.pitr;
    expect(earlyPitr).toMatchObject([{ source: 'db', status: 'unverified', rto_seconds: null }]);
    expect(earlyPitr[0]!.error).toMatch(/no recovery window to drill: main\/db has no base backup in an archive yet/);

    const night = await w.run('run');
    expect(night.exitCode, night.stdout + night.stderr).toBe(0);
    const walHeld = join(w.cfg.stateDir, 'pitr', 'main', 'db', 'wal');
    const afterNight = new Set(readdirSync(walHeld));
    // Complete segments after the night's archive: held by the receiver's folder alone (one is removed at the end).
    for (let i = 0; i < 3; i++) await w.pg.sql('appdb', "INSERT INTO ledger (note) VALUES ('filler'); SELECT pg_switch_wal();");

    const { T, expected } = await ledgerAroundMarker(w);
    const at = (sql: string) => w.pg.sql('appdb', sql);
    // The server's own account of the transactions around T.
    const lastXid = await at(`SELECT xmin FROM ledger WHERE pg_xact_commit_timestamp(xmin) <= '${T.toISOString()}' ORDER BY pg_xact_commit_timestamp(xmin) DESC LIMIT 1;`);
    const firstAfterXid = await at(`SELECT xmin FROM ledger WHERE pg_xact_commit_timestamp(xmin) > '${T.toISOString()}' ORDER BY pg_xact_commit_timestamp(xmin) LIMIT 1;`);
    const written = new Date();
    await w.until('the received WAL reaches past the rows after T', () => new Date(w.receiver()?.reached_at ?? 0) > written);
    // The host's restore checks of db/appdb also run against the night's dump, whose ledger is empty:
    // each holds there and at T, and at no other point of the ledger's history.
    setChecks(w, [
      { name: 'ledger rows at T', query: `SELECT count(*) IN (0, ${expected.length}) FROM ledger`, expect: 't' },
      { name: 'the marker', query: "SELECT count(*) FILTER (WHERE note = 'marker') = least(count(*), 1) FROM ledger", expect: 't' },
    ]);

    // Recovered to T: PASS, with what proves it.
    const given = await watchedDrill(w, ['--at', T.toISOString(), '--json']);
    expect(given.exitCode, given.stdout + given.stderr).toBe(0);
    const doc = JSON.parse(given.stdout) as DrillDoc;
    expect(schemaProblems('drill', doc)).toEqual([]);
    expect(doc.drills[0]!.status).toBe('ok');
    const p = doc.drills[0]!.pitr[0]!;
    expect(p, JSON.stringify(p, null, 2)).toMatchObject({ source: 'db', status: 'ok', target: T.toISOString(), chosen: 'given', error: null });
    expect(p.last_commit!.xid).toBe(lastXid);
    expect(p.first_commit_after!.xid).toBe(firstAfterXid);
    expect(p.stopped_before!.xid).toBe(firstAfterXid);
    expect(p.checks).toEqual([expect.objectContaining({ name: 'ledger rows at T', ok: true, got: 't' }), expect.objectContaining({ name: 'the marker', ok: true, got: 't' })]);
    expect(p.rto_seconds).toBeGreaterThan(0);
    expect(Math.abs(p.rto_seconds! - (p.extraction_seconds! + p.replay_seconds!))).toBeLessThanOrEqual(0.11);
    // Its scratch cluster ran, and is gone with its files.
    expect(given.scratch, 'the drill made a scratch folder').toBeDefined();
    expect(given.postmaster, 'the scratch cluster started').toBeDefined();
    expect(existsSync(given.scratch!)).toBe(false);
    expect(alive(given.postmaster!)).toBe(false);
    // Recorded in the catalog with the drill, RTO and all; shown by status and the report.
    const row = queryCatalog<{ status: string; databases: string }>(w.cfg.stateDir, "SELECT status, databases FROM drills WHERE host = 'main' ORDER BY id DESC LIMIT 1")[0]!;
    expect(row.status).toBe('ok');
    expect((JSON.parse(row.databases) as Array<Record<string, unknown>>).filter((x) => x.kind === 'pitr')).toEqual([expect.objectContaining({ source: 'db', status: 'ok', rto_seconds: p.rto_seconds, target: T.toISOString() })]);
    const status = await w.run('status');
    expect(status.stdout).toMatch(new RegExp(`^main +- .*, PITR db RTO ${p.rto_seconds} s`, 'm'));
    const report = await w.run('report');
    expect(report.stdout).toMatch(new RegExp(`PITR db to ${T.toISOString().replace('T', ' ').replace('Z', ' UTC').replace(/[.]/g, '\\.')}: ok, RTO ${p.rto_seconds} s \\(extraction ${p.extraction_seconds} s, WAL replay ${p.replay_seconds} s\\)`));

    // A point drawn from the window with the seed (a writer keeps committing, so every point has a transaction after it): PASS, printed with its RTO.
    setChecks(w, [{ name: 'ledger readable', query: 'SELECT count(*) >= 0 FROM ledger', expect: 't' }]);
    let writing = true;
    const writer = (async () => {
      while (writing) await at("INSERT INTO ledger (note) VALUES ('later');");
    })();
    const drawn = await w.run('drill', '--host', 'main', '--seed', 'pitr-drill-test');
    writing = false;
    await writer;
    expect(drawn.exitCode, drawn.stdout + drawn.stderr).toBe(0);
    expect(drawn.stdout).toMatch(/Point-in-time recovery drills/);
    expect(drawn.stdout).toMatch(/^ {2}main\/db: PASS to \S+ \S+ UTC \(drawn from the window \S+ \S+ UTC to \S+ \S+ UTC\): RTO [\d.]+ s \(extraction [\d.]+ s, WAL replay [\d.]+ s\)$/m);
    expect(drawn.stdout).toMatch(/last commit at or before the point: transaction \d+ at .* committed in the recovered cluster/);
    expect(drawn.stdout).toMatch(/^ {4}1 of 1 SQL check\(s\) passed$/m);

    // SIGTERM while the scratch cluster runs: it is stopped and its files removed.
    const killed = await watchedDrill(w, ['--at', T.toISOString()], { killWhenRunning: true });
    expect(killed.postmaster).toBeDefined();
    expect(killed.exitCode, killed.stdout + killed.stderr).not.toBe(0);
    await w.until('the killed drill\'s scratch cluster stopped', () => !alive(killed.postmaster!), 60_000);
    expect(existsSync(killed.scratch!)).toBe(false);

    // A check that holds of the night's dump but not at T: FAILED, naming the check (the dump's drill passes it).
    setChecks(w, [{ name: 'one row more than at T', query: `SELECT count(*) IN (0, ${expected.length + 1}) FROM ledger`, expect: 't' }]);
    const failedCheck = await w.run('drill', '--host', 'main', '--at', T.toISOString(), '--json');
    expect(failedCheck.exitCode, failedCheck.stdout + failedCheck.stderr).toBe(1);
    const fc = (JSON.parse(failedCheck.stdout) as DrillDoc).drills[0]!;
    expect(fc.status).toBe('failed');
    expect(fc.pitr[0]).toMatchObject({ status: 'failed', error: `check 'one row more than at T' returned "f", expected "t"` });
    expect(fc.pitr[0]!.rto_seconds).toBeGreaterThan(0);
    setChecks(w, []);

    // A point inside the window but after the last transaction (the server idle since): PostgreSQL cannot stop there by time;
    // its state is the WAL's end, recovered to and verified (the last commit applied, the last transaction replayed the WAL's last): PASS.
    const lastXidIdle = await at('SELECT xmin FROM ledger ORDER BY id DESC LIMIT 1;');
    const idleSince = new Date(Date.now() + 1000);
    await w.until('the received WAL reaches 2 s past the idle point', () => new Date(w.receiver()?.reached_at ?? 0).getTime() > idleSince.getTime() + 2000);
    const idle = await w.run('drill', '--host', 'main', '--at', idleSince.toISOString(), '--json');
    expect(idle.exitCode, idle.stdout + idle.stderr).toBe(0);
    const ip = (JSON.parse(idle.stdout) as DrillDoc).drills[0]!.pitr[0]!;
    expect(ip, JSON.stringify(ip, null, 2)).toMatchObject({ status: 'ok', error: null, stopped_before: null, first_commit_after: null });
    expect(ip.last_commit!.xid).toBe(lastXidIdle);

    // A WAL segment between the base backup and T removed from what pullback holds: FAILED, naming the gap.
    const later = readdirSync(walHeld).filter((f) => /^[0-9A-F]{24}$/.test(f) && !afterNight.has(f)).sort();
    expect(later.length).toBeGreaterThanOrEqual(3);
    const removed = later[1]!;
    rmSync(join(walHeld, removed));
    const gap = await w.run('drill', '--host', 'main', '--at', T.toISOString(), '--json');
    expect(gap.exitCode, gap.stdout + gap.stderr).toBe(1);
    const g = (JSON.parse(gap.stdout) as DrillDoc).drills[0]!;
    expect(g.status).toBe('failed');
    expect(g.pitr[0]!.status).toBe('failed');
    expect(g.pitr[0]!.error).toContain(`gap: 1 WAL segment(s) missing (${removed})`);
    expect(g.pitr[0]!.rto_seconds).toBeNull();

    expect(await daemon.stop()).toBe(0);
  }, 600_000);
});
