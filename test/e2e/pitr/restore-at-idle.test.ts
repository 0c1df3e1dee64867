// A point in time after the server's last transaction (the server idle since), with real parts: a
// PostgreSQL cluster behind the harness sshd streaming to `pullback daemon`, a night's base backup in
// borg, rows written one transaction each, then nothing (autovacuum off: no transaction of the
// server's own). The window's newest point moves on past T (the receiver's flush position), so T is
// inside it; PostgreSQL cannot stop a time target there (it stops only before a transaction that ended
// after it), so pullback recovers to the WAL's end and says so. The dry run says it; --into gives a
// cluster with every row; the PITR drill --at T passes; the in-place restore brings back every row.
// A time beyond the newest point received is still refused.
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { asPostgres, makeTempDir, PG_BIN, pitrWorld, registerCleanup, schemaProblems } from '../../harness/index.js';

/** The time as pullback names it in its notes: UTC, milliseconds only when there are some. */
const exact = (d: Date) => d.toISOString().replace('T', ' ').replace(/\.000Z$/, 'Z').replace(/Z$/, ' UTC');

/** Starts the recovered cluster with the line `restore` printed, waits for its promotion, and returns a psql runner. */
async function startPrinted(output: string, into: string): Promise<(sql: string) => Promise<string>> {
  const lines = output.split('\n');
  const line = lines[lines.findIndex((l) => l.startsWith('Start it')) + 1]!.trim();
  expect(line).toContain('pg_ctl');
  registerCleanup(async () => {
    await execa(asPostgres()[0] ?? join(PG_BIN, 'pg_ctl'), [...asPostgres().slice(1), join(PG_BIN, 'pg_ctl'), '-D', into, '-m', 'immediate', 'stop'], { reject: false });
  });
  await execa('sh', ['-c', line], { timeout: 120_000 });
  const psql = async (sql: string) => {
    const argv = [...asPostgres(), join(PG_BIN, 'psql'), '-h', into, '-p', '5432', '-U', 'postgres', '-d', 'appdb', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1'];
    return (await execa(argv[0]!, argv.slice(1), { input: sql })).stdout;
  };
  const end = Date.now() + 120_000;
  while ((await psql('SELECT pg_is_in_recovery();').catch(() => 't')) !== 'f') {
    if (Date.now() > end) throw new Error('the recovered cluster did not promote');
    await new Promise((r) => setTimeout(r, 300));
  }
  return psql;
}

interface StatusDoc {
  recovery_windows: Array<{ source: string; status: string; oldest_at: string; newest_at: string }>;
}

describe('restore --at a time after the last transaction (an idle server)', () => {
  it("recovers to the WAL's end and says so: dry run, --into, the PITR drill and the in-place restore each bring every row; beyond the newest point is refused", async () => {
    const w = await pitrWorld({ pgConf: ['autovacuum = off'] });
    await w.pg.sql('appdb', 'CREATE TABLE ledger (id serial PRIMARY KEY, note text NOT NULL);');
    const daemon = await w.receiving();
    const night = await w.run('run');
    expect(night.exitCode, night.stdout + night.stderr).toBe(0);

    // Rows, one transaction each, then the server idle.
    for (let i = 0; i < 12; i++) await w.pg.sql('appdb', `INSERT INTO ledger (note) VALUES ('row ${i}');`);
    const ids = (await w.pg.sql('appdb', 'SELECT id FROM ledger ORDER BY id;')).split('\n');
    const lastXid = await w.pg.sql('appdb', 'SELECT xmin FROM ledger ORDER BY id DESC LIMIT 1;');
    expect(ids).toHaveLength(12);
    // T: a whole second after the last commit, inside the window once its newest point passes it.
    const T = new Date(Math.ceil((Date.now() + 1500) / 1000) * 1000);
    await w.until('the window\'s newest point passes T', () => new Date(w.receiver()?.reached_at ?? 0).getTime() > T.getTime() + 1000, 120_000);
    const status = await w.run('status', '--json');
    const doc = JSON.parse(status.stdout) as StatusDoc;
    expect(schemaProblems('status', doc)).toEqual([]);
    expect(new Date(doc.recovery_windows[0]!.newest_at) > T, JSON.stringify(doc.recovery_windows)).toBe(true);
    // Still idle: no transaction ended since the last row (read-only queries write none).
    expect(await w.pg.sql('appdb', 'SELECT xmin FROM ledger ORDER BY id DESC LIMIT 1;')).toBe(lastXid);

    const walEnd = new RegExp(`no transaction ended after ${exact(T).replace(/[.]/g, '\\.')} in the WAL received up to \\S+ \\S+ UTC: the state at ${exact(T).replace(/[.]/g, '\\.')} is the WAL's end; `);

    // The dry run: the plan says how a time target stops, the checklist reads the WAL and says it recovers to its end.
    const dry = await w.run('restore', '--host', 'main', '--only', 'db', '--at', T.toISOString(), '--dry-run');
    expect(dry.exitCode, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/stops at +the first transaction that ended after .*with none, the state then is the WAL's end/);
    expect(dry.stdout).toMatch(new RegExp(`PASS {2}where recovery stops: ${walEnd.source}it recovers to it \\(no time target\\); the last commit at or before it: transaction ${lastXid} at `));
    expect(dry.stdout).toContain('Dry run: every check passed; nothing was recovered or changed.');

    // Beyond the newest point received: refused, naming the window (the window check stays).
    const newest = new Date(w.receiver()!.reached_at!);
    const beyond = await w.run('restore', '--host', 'main', '--only', 'db', '--at', new Date(newest.getTime() + 600_000).toISOString(), '--dry-run');
    expect(beyond.exitCode, beyond.stdout + beyond.stderr).toBe(1);
    expect(beyond.stdout).toMatch(/is after the newest point received: the recovery window is /);

    // --into: a data directory recovered to the WAL's end (no time target written), holding every row.
    const parent = makeTempDir('pitr-idle-into-');
    chmodSync(parent, 0o755);
    const into = join(parent, 'at-t');
    const r = await w.run('restore', '--host', 'main', '--only', 'db', '--at', T.toISOString(), '--into', into);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`${walEnd.source}it recovers to it when started`));
    expect(r.stdout).toContain('it replays the WAL to its end, then promotes');
    expect(readFileSync(join(into, 'postgresql.auto.conf'), 'utf8')).not.toMatch(/^recovery_target_time *=/m);
    const psql = await startPrinted(r.stdout, into);
    expect((await psql('SELECT id FROM ledger ORDER BY id;')).split('\n')).toEqual(ids);
    expect(await psql(`SELECT pg_xact_status('${lastXid}'::xid8);`)).toBe('committed');

    // The PITR drill --at T: PASS, the last commit applied, nothing after it.
    const drill = await w.run('drill', '--host', 'main', '--at', T.toISOString(), '--json');
    expect(drill.exitCode, drill.stdout + drill.stderr).toBe(0);
    const p = (JSON.parse(drill.stdout) as { drills: Array<{ status: string; pitr: Array<Record<string, unknown>> }> }).drills[0]!.pitr[0]!;
    expect(p, JSON.stringify(p, null, 2)).toMatchObject({ source: 'db', status: 'ok', target: T.toISOString(), error: null, stopped_before: null, first_commit_after: null });
    expect((p.last_commit as { xid: string }).xid).toBe(lastXid);
    expect(p.note).toMatch(new RegExp(`${walEnd.source}recovered to it \\(the last transaction it replayed: the commit of ${lastXid} at .*, the WAL's last; nothing after it exists\\)`));
    const printed = await w.run('drill', '--host', 'main', '--at', T.toISOString());
    expect(printed.exitCode, printed.stdout + printed.stderr).toBe(0);
    expect(printed.stdout).toMatch(/^ {2}main\/db: PASS to .*RTO [\d.]+ s/m);
    expect(printed.stdout).toMatch(new RegExp(`last commit at or before the point: transaction ${lastXid} at .*: committed in the recovered cluster`));
    expect(printed.stdout).toMatch(walEnd);

    // In place (last: its swap writes transactions on the server): every row back, and it says how.
    const live = await w.run('restore', '--host', 'main', '--only', 'db', '--at', T.toISOString(), '--yes');
    expect(live.exitCode, live.stdout + live.stderr).toBe(0);
    expect(live.stdout).toMatch(new RegExp(`${walEnd.source}recovered to it\\.`));
    expect(live.stdout).toMatch(/Recovered to the WAL's end \(the state at .*\) in a scratch cluster/);
    expect((await w.pg.sql('appdb', 'SELECT id FROM ledger ORDER BY id;')).split('\n')).toEqual(ids);

    expect(await daemon.stop()).toBe(0);
  }, 480_000);
});
