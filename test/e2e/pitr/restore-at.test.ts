// Point-in-time recovery end to end, with real parts: a PostgreSQL cluster behind a harness sshd, the
// receiver under `pullback daemon`, a night's base backup archived by borg, a writer inserting rows
// one transaction at a time, a marker at time T and a DROP TABLE after it. `restore --at T --into
// DIR` gives a data directory that, started with the command it prints, holds exactly the rows
// committed at or before T (by the server's own commit timestamps), the marker among them;
// `--at latest` holds what was committed after the DROP; status and list show the window.
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { asPostgres, ledgerAroundMarker, makeTempDir, PG_BIN, pitrWorld, queryCatalog, registerCleanup, schemaProblems } from '../../harness/index.js';

/** `YYYY-MM-DD HH:MM:SS` in this process's time zone (what an operator types). */
function localText(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** A folder the postgres user can reach, for the recovered data directory. */
function recoveryParent(): string {
  const dir = makeTempDir('pitr-into-');
  chmodSync(dir, 0o755);
  return dir;
}

/** Starts the recovered cluster with the line `restore` printed, waits for its promotion, and returns a psql runner. */
async function startPrinted(output: string, into: string): Promise<(sql: string) => Promise<string>> {
  const lines = output.split('\n');
  const i = lines.findIndex((l) => l.startsWith('Start it'));
  const line = lines[i + 1]!.trim();
  expect(line).toContain('pg_ctl');
  registerCleanup(async () => {
    await execa(asPostgres()[0] ?? join(PG_BIN, 'pg_ctl'), [...asPostgres().slice(1), join(PG_BIN, 'pg_ctl'), '-D', into, '-m', 'immediate', 'stop'], { reject: false });
  });
  // The line as printed, run the way an operator pastes it.
  await execa('sh', ['-c', line], { timeout: 120_000 });
  const psql = async (sql: string) => (await execa(...psqlArgv(into, sql))).stdout;
  const end = Date.now() + 120_000;
  while ((await psql('SELECT pg_is_in_recovery();').catch(() => 't')) !== 'f') {
    if (Date.now() > end) throw new Error('the recovered cluster did not promote');
    await new Promise((r) => setTimeout(r, 300));
  }
  return psql;
}

function psqlArgv(socketDir: string, sql: string): [string, string[], { input: string }] {
  const argv = [...asPostgres(), join(PG_BIN, 'psql'), '-h', socketDir, '-p', '5432', '-U', 'postgres', '-d', 'appdb', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1'];
  return [argv[0]!, argv.slice(1), { input: sql }];
}

describe('restore --at', () => {
  it('recovers the cluster to a second: the marker and every row committed before it, none after; latest brings what followed the DROP', async () => {
    const w = await pitrWorld({ pgConf: ['track_commit_timestamp = on'] });
    await w.pg.sql('appdb', "CREATE TABLE ledger (id serial PRIMARY KEY, at timestamptz DEFAULT clock_timestamp(), note text NOT NULL); CREATE TABLE after_drop (note text);");
    const daemon = await w.receiving();

    // A night: dump, pull, base backup, archive.
    const night = await w.run('run');
    expect(night.stderr + night.stdout).not.toMatch(/base_backup.*failed/);
    expect(night.exitCode).toBe(0);
    const bases = queryCatalog<{ archive: string | null }>(w.cfg.stateDir, 'SELECT archive FROM pitr_base_backups');
    expect(bases).toHaveLength(1);
    expect(bases[0]!.archive).toMatch(/^main-\d{8}T\d{6}Z$/);

    // A writer, one transaction per row, before and after the marker; what must come back: exactly the rows committed at or before T.
    const { T, expected, total } = await ledgerAroundMarker(w);
    expect(expected.length).toBeGreaterThan(2);
    expect(total).toBeGreaterThan(expected.length); // rows after T exist, and must not come back
    // A named restore point after every ledger row, right before the DROP.
    await w.pg.sql('appdb', "SELECT pg_create_restore_point('before the drop');");
    await w.pg.sql('appdb', 'DROP TABLE ledger;');
    await w.pg.sql('appdb', "INSERT INTO after_drop VALUES ('after the drop');");
    const afterDrop = new Date();
    await w.until('the received WAL reaches past the DROP', () => new Date(w.receiver()?.reached_at ?? 0) > afterDrop);

    // The window is shown, green.
    const status = await w.run('status', '--json');
    const windows = (JSON.parse(status.stdout) as { recovery_windows: Array<{ status: string; oldest_at: string; newest_at: string }> }).recovery_windows;
    // Its JSON (with recovery_windows, which json-outputs.test.ts has no PITR source to show) fits its schema.
    expect(schemaProblems('status', JSON.parse(status.stdout))).toEqual([]);
    expect(windows).toHaveLength(1);
    expect(windows[0]!.status).toBe('green');
    expect(new Date(windows[0]!.newest_at) >= afterDrop).toBe(true);
    const listed = await w.run('list');
    expect(listed.stdout).toContain('Recovery windows');

    // To T, and to the latest point received (an empty folder given), side by side: each recovered
    // cluster has its own socket folder.
    const parent = recoveryParent();
    const into = join(parent, 'at-t');
    const latest = join(parent, 'latest');
    const point = join(parent, 'point');
    mkdirSync(latest);
    const [r, r2, r3] = await Promise.all([
      w.run('restore', '--host', 'main', '--only', 'db', '--at', localText(T), '--into', into),
      w.run('restore', '--host', 'main', '--only', 'db', '--at', 'latest', '--into', latest),
      w.run('restore', '--host', 'main', '--only', 'db', '--at', 'point:before the drop', '--into', point),
    ]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r2.exitCode, r2.stdout + r2.stderr).toBe(0);
    expect(r3.exitCode, r3.stdout + r3.stderr).toBe(0);
    expect(r3.stdout).toContain('to restore point "before the drop" (from the oldest base backup');
    const [psql, psql2, psql3] = await Promise.all([startPrinted(r.stdout, into), startPrinted(r2.stdout, latest), startPrinted(r3.stdout, point)]);
    // The restore point: every ledger row (all were written before it), nothing of after the DROP.
    expect(await psql3('SELECT count(*) FROM ledger;')).toBe(String(total));
    expect(await psql3('SELECT count(*) FROM after_drop;')).toBe('0');
    // Exactly the rows committed at or before T, the marker among them.
    const got = (await psql('SELECT id FROM ledger ORDER BY id;')).split('\n');
    expect(got).toEqual(expected);
    expect(await psql("SELECT count(*) FROM ledger WHERE note = 'marker';")).toBe('1');
    // Latest: the DROP happened, the row written after it is there.
    expect(await psql2("SELECT to_regclass('ledger') IS NULL, (SELECT note FROM after_drop);")).toBe('t|after the drop');

    expect(await daemon.stop()).toBe(0);
  }, 240_000);
});
