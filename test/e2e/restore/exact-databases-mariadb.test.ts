// MariaDB databases come back exactly as the dump has them (real sshd, rsync, borg, MariaDB):
// tables, views, routines, triggers and events created since the backup are gone, a dropped table
// is back.
import { beforeAll, describe, expect, it } from 'vitest';
import { mariadb, tableFingerprints } from '../../harness/index.js';
import { exactWorld, mariaObjects, type ExactWorld } from './exact-databases-setup.js';

let w: ExactWorld['w'];
let maria: string;
let backup: ExactWorld['backup'];

beforeAll(async () => {
  ({ w, maria, backup } = await exactWorld());
});

describe('restore: each MariaDB database exactly as its dump', () => {
  it('MariaDB: tables, views, routines, triggers and events created since are gone; a dropped table is back', async () => {
    await mariadb(maria, `CREATE TABLE extra (id INT PRIMARY KEY, user_id INT, FOREIGN KEY (user_id) REFERENCES users(id)) ENGINE=InnoDB;
      CREATE VIEW extra_v AS SELECT id FROM extra;
      CREATE PROCEDURE extra_p() SELECT 1;
      CREATE TRIGGER extra_t BEFORE INSERT ON users FOR EACH ROW SET NEW.name = UPPER(NEW.name);
      CREATE EVENT extra_e ON SCHEDULE EVERY 1 DAY DO SELECT 1;
      DROP TABLE orders;`);
    expect((await mariaObjects(maria)).length).toBeGreaterThan(backup.mariaObjects.length);
    const r = await w.cli('restore', '--host', 'main', '--only', 'shop', '--yes');
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(await mariaObjects(maria)).toEqual(backup.mariaObjects);
    expect(await tableFingerprints('mariadb', maria)).toEqual(backup.maria);
  });
});
