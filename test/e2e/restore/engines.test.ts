// Restores of MariaDB and SQLite database sources end to end: a dropped MariaDB database and a
// damaged SQLite file come back with identical rows; the SQLite file is replaced atomically.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMariaDatabase, dropMariaDatabase, makeTempDir, mariadb, startSshd, tableFingerprints } from '../../harness/index.js';
import { backedUp, makeTrees } from './setup.js';

const sqliteDump = (file: string) => execFileSync('sqlite3', ['-readonly', file, '.dump'], { encoding: 'utf8' });

describe('pullback restore (mariadb, sqlite)', () => {
  it('restores a dropped MariaDB database and a damaged SQLite file', async () => {
    const server = await startSshd();
    const maria = await createMariaDatabase('pbrestore');
    await mariadb(maria, `CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(50)) CHARACTER SET utf8mb4;
      INSERT INTO users SELECT seq, CONCAT('café ', seq) FROM seq_1_to_120; CREATE TABLE empty_one (x INT);`);
    const root = makeTempDir('restore-engines-');
    const liteDir = join(root, 'app data');
    mkdirSync(liteDir);
    const lite = join(liteDir, 'app.db');
    execFileSync('sqlite3', [lite], { input: "PRAGMA journal_mode = WAL; CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT); WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 80) INSERT INTO items SELECT x, 'item ' || x FROM c;" });
    const t = makeTrees('restore-engines-dumps-', false);
    for (const d of ['maria', 'lite']) mkdirSync(join(t.root, d));
    const w = await backedUp(
      t,
      [
        {
          name: 'main',
          server,
          sources: [
            { name: 'maria', kind: 'database', path: join(t.root, 'maria'), dump: { engine: 'mariadb', databases: [maria], connection: { host: '127.0.0.1', port: 3306, user: 'root' } } },
            { name: 'lite', kind: 'database', path: join(t.root, 'lite'), dump: { engine: 'sqlite', databases: [lite] } },
          ],
        },
      ],
      server,
    );
    const rows = await tableFingerprints('mariadb', maria);
    const liteBefore = sqliteDump(lite);

    await dropMariaDatabase(maria);
    execFileSync('sqlite3', [lite], { input: 'DELETE FROM items WHERE id > 10; CREATE TABLE junk (x);' });
    writeFileSync(`${lite}-wal`, 'stale journal that must not be replayed');
    const r = await w.cli('restore', '--host', 'main', '--yes');
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(await tableFingerprints('mariadb', maria)).toEqual(rows);
    expect(sqliteDump(lite)).toEqual(liteBefore);
    expect(existsSync(`${lite}-wal`)).toBe(false);
    expect(readdirSync(liteDir)).toEqual(['app.db']);
    expect(r.stdout).toMatch(/PASS {2}maria: rows of mariadb .*: 2 tables, 120 rows, as at dump time/);
    expect(r.stdout).toMatch(/PASS {2}lite: rows of sqlite .*app\.db: 1 tables, 80 rows, as at dump time/);
  });
});
