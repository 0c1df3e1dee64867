// A busy night: pgbench writing to PostgreSQL and a transfer loop writing to MariaDB while
// `pullback run` dumps them and, with every check and the drill due, restores the dumps into
// scratch databases. What the drill expects is read from the dumps themselves, so the night is OK;
// the restored dumps are consistent snapshots (pgbench's balance invariant, the ledger's), and the
// writers are never held up by the dumps.
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createMariaDatabase, createPgDatabase, makeTempDir, MARIA, mariadb, PG, psql, runCli, startSshd, writeTestConfig } from '../../harness/index.js';
import { drillRows } from './helpers.js';

const ACCOUNTS = 50;

/** pgbench (~100 transactions a second) in 2-second rounds until `stop`: writing for as long as the night runs, however slow the machine; returns each round's result. */
async function pgbenchLoop(db: string, stop: AbortSignal): Promise<Array<{ exitCode?: number; all?: string }>> {
  const rounds: Array<{ exitCode?: number; all?: string }> = [];
  while (!stop.aborted) {
    const r = await execa('pgbench', ['-n', '-c', '2', '-R', '100', '-T', '2', '-h', PG.host, '-p', String(PG.port), '-U', PG.user, db], { reject: false, all: true });
    rounds.push({ exitCode: r.exitCode, all: String(r.all) });
  }
  return rounds;
}

/** Transfers between MariaDB accounts, each one transaction that also writes the ledger, until `stop`; returns the slowest transfer (ms) and how many ran. */
async function transferLoop(db: string, stop: AbortSignal): Promise<{ transfers: number; slowestMs: number }> {
  let transfers = 0;
  let slowestMs = 0;
  while (!stop.aborted) {
    const from = 1 + (transfers % ACCOUNTS);
    const to = 1 + ((transfers * 7 + 3) % ACCOUNTS);
    const amount = 1 + (transfers % 13);
    const started = Date.now();
    await mariadb(
      db,
      `START TRANSACTION;
       UPDATE accounts SET balance = balance - ${amount} WHERE id = ${from};
       INSERT INTO ledger (account, delta) VALUES (${from}, ${-amount});
       UPDATE accounts SET balance = balance + ${amount} WHERE id = ${to};
       INSERT INTO ledger (account, delta) VALUES (${to}, ${amount});
       COMMIT;`,
    );
    slowestMs = Math.max(slowestMs, Date.now() - started);
    transfers++;
  }
  return { transfers, slowestMs };
}

/** Polls `ok` every 100 ms until it holds (60 s at most). */
async function until(what: string, ok: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(100);
  }
}

const PG_INVARIANTS = [
  ['accounts', 'abalance'],
  ['branches', 'bbalance'],
  ['tellers', 'tbalance'],
].map(([t, col]) => ({
  name: `pgbench ${t} balance`,
  query: `SELECT (SELECT coalesce(sum(${col}), 0) FROM pgbench_${t}) = (SELECT coalesce(sum(delta), 0) FROM pgbench_history)`,
  expect: 't',
}));

const MARIA_INVARIANT = 'SELECT COUNT(*) FROM accounts a WHERE a.balance <> 1000 + (SELECT COALESCE(SUM(delta), 0) FROM ledger l WHERE l.account = a.id)';

describe('pullback run on busy databases', () => {
  it('exits 0 with the drill due: counts come from the dumps, the restored dumps satisfy the balance invariants, writers never wait', async () => {
    const server = await startSshd();
    const root = makeTempDir('busy-server-');
    const pgDb = await createPgDatabase('pbbusy');
    execFileSync('pgbench', ['-i', '-q', '-s', '1', '-h', PG.host, '-p', String(PG.port), '-U', PG.user, pgDb], { stdio: 'ignore' });
    const mariaDb = await createMariaDatabase('pbbusy');
    await mariadb(
      mariaDb,
      `CREATE TABLE accounts (id INT PRIMARY KEY, balance BIGINT NOT NULL) ENGINE=InnoDB;
       CREATE TABLE ledger (id BIGINT AUTO_INCREMENT PRIMARY KEY, account INT NOT NULL, delta INT NOT NULL) ENGINE=InnoDB;
       INSERT INTO accounts SELECT seq, 1000 FROM seq_1_to_${ACCOUNTS};`,
    );
    // A dump the server's own cron wrote, without metadata: counted from the file too.
    const cron = join(root, 'cron');
    mkdirSync(cron);
    writeFileSync(
      join(cron, 'ledger.sql'),
      execFileSync('mariadb-dump', ['-h', MARIA.host, '-P', String(MARIA.port), '-u', MARIA.user, '--single-transaction', '--', mariaDb], { encoding: 'utf8' }),
    );
    mkdirSync(join(root, 'files'));
    for (let i = 0; i < 5; i++) writeFileSync(join(root, 'files', `f${i}.txt`), `file ${i}\n`);

    const cfg = await writeTestConfig({
      hosts: [
        {
          name: 'main',
          server,
          sources: [
            { name: 'pg', kind: 'database', path: join(root, 'pg'), dump: { engine: 'postgres', databases: [pgDb], connection: { ...PG } } },
            { name: 'maria', kind: 'database', path: join(root, 'maria'), dump: { engine: 'mariadb', databases: [mariaDb], connection: { ...MARIA } } },
            { name: 'cron', kind: 'database', path: cron, max_age: '1d' },
            { name: 'files', kind: 'data', path: join(root, 'files') },
          ],
          override: {
            restore: {
              checks: [
                ...PG_INVARIANTS.map((c) => ({ name: c.name, sql: { source: 'pg', database: pgDb, query: c.query, expect: c.expect } })),
                { name: 'ledger balance', sql: { source: 'maria', database: mariaDb, query: MARIA_INVARIANT, expect: '0' } },
              ],
            },
          },
        },
      ],
      global: { checks: { repository: 'always', archives: 'always', data: 'always', drill: 'always' }, drill: { sample: 5 } },
    });

    // Both writers run from before the night starts until it has ended (the dumps, the checks and
    // the drill's restores all happen while they write), however long the night takes.
    const stop = new AbortController();
    const pgbench = pgbenchLoop(pgDb, stop.signal);
    const loop = transferLoop(mariaDb, stop.signal);
    await until('both writers have written', async () => Number(await psql(pgDb, 'SELECT count(*) FROM pgbench_history')) > 0 && Number(await mariadb(mariaDb, 'SELECT COUNT(*) FROM ledger')) > 0);
    const run = await runCli(['--config', cfg.configPath, 'run']);
    stop.abort();
    const [bench, writer] = await Promise.all([pgbench, loop]);
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    for (const round of bench) expect(round.exitCode, round.all).toBe(0);

    // The drill ran in the night, restored every dump and ran the invariant checks on them.
    const drill = drillRows(cfg.stateDir).at(-1)!;
    expect(drill.status).toBe('ok');
    const databases = JSON.parse(String(drill.databases)) as Array<{ path: string; status: string; tables: Array<{ table: string; expected?: number; actual?: number }>; checks: Array<{ name: string; ok: boolean; got?: string }> }>;
    const byPath = (prefix: string) => databases.find((d) => d.path.startsWith(prefix))!;
    const pg = byPath('pg/');
    expect(pg.status).toBe('ok');
    expect(pg.checks.map((c) => [c.name, c.ok])).toEqual(PG_INVARIANTS.map((c) => [c.name, true]));
    const maria = byPath('maria/');
    expect(maria.status).toBe('ok');
    expect(maria.checks.map((c) => [c.name, c.ok])).toEqual([['ledger balance', true]]);
    const cronDump = byPath('cron/');
    expect(cronDump.status).toBe('ok');
    expect(cronDump.tables).toContainEqual({ table: 'accounts', expected: ACCOUNTS, actual: ACCOUNTS });

    // The writers went on while the dumps ran: the live history is longer than the dumped one.
    const dumped = pg.tables.find((t) => t.table === 'public.pgbench_history')!;
    expect(dumped.expected).toBe(dumped.actual);
    expect(Number(await psql(pgDb, 'SELECT count(*) FROM pgbench_history'))).toBeGreaterThan(dumped.expected!);
    const ledger = maria.tables.find((t) => t.table === 'ledger')!;
    expect(ledger.expected).toBe(ledger.actual);
    expect(Number(await mariadb(mariaDb, 'SELECT COUNT(*) FROM ledger'))).toBeGreaterThan(ledger.expected!);
    // No transfer waited on the dump (a table lock would hold one for the whole dump).
    expect(writer.transfers).toBeGreaterThan(20);
    expect(writer.slowestMs).toBeLessThan(3000);

    // The counts each archived dump carries are those read from it, cron dumps included.
    const catalog = new Database(join(cfg.stateDir, 'catalog.db'), { readonly: true });
    try {
      const rows = catalog.prepare('SELECT source, row_counts FROM dumps ORDER BY id').all() as Array<{ source: string; row_counts: string | null }>;
      expect(rows.map((r) => r.source).sort()).toEqual(['cron', 'maria', 'pg']);
      for (const r of rows) expect(r.row_counts, r.source).not.toBeNull();
      expect(JSON.parse(rows.find((r) => r.source === 'cron')!.row_counts!)).toEqual({ accounts: ACCOUNTS, ledger: 0 });
    } finally {
      catalog.close();
    }
  }, 240_000);
});
