// restore --to maps database names onto the target's (by position, or --map-db when that is
// ambiguous), and every --map-db given must be used (real sshd, rsync, borg, PostgreSQL).
import { beforeAll, describe, expect, it } from 'vitest';
import { tableFingerprints } from '../../harness/index.js';
import { exactWorld, type ExactWorld } from './exact-databases-setup.js';
import { catalogRestores } from './setup.js';

let w: ExactWorld['w'];
let pg: string;
let maria: string;
let spareDb: string;

beforeAll(async () => {
  ({ w, pg, maria, spareDb } = await exactWorld());
});

describe('restore --to: database names of the target', () => {
  it("writes into the target's database by position, shows the mapping, and leaves the origin's alone", async () => {
    const main = await tableFingerprints('postgres', pg);
    const dry = await w.cli('restore', '--host', 'main', '--to', 'spare', '--only', 'db', '--dry-run');
    expect(dry.stdout).toContain(`database "${pg}" -> "${spareDb}" on spare (position 1 in databases:)`);
    const r = await w.cli('restore', '--host', 'main', '--to', 'spare', '--only', 'db', '--yes');
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    const restored = await tableFingerprints('postgres', spareDb);
    expect(Object.keys(restored)).toEqual(Object.keys(main));
    expect(await tableFingerprints('postgres', pg)).toEqual(main);
  });

  it('refuses an ambiguous mapping with exit 2, naming --map-db, which then decides', async () => {
    const r = await w.cli('restore', '--host', 'main', '--to', 'spare2', '--only', 'db', '--dry-run');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`cannot tell which database of the target receives ${pg}: the lists differ in length (1 and 2); give --map-db ${pg}=NAME`);
    const m = await w.cli('restore', '--host', 'main', '--to', 'spare2', '--only', 'db', '--map-db', `${pg}=b`, '--dry-run');
    expect(m.stdout).toContain(`database "${pg}" -> "b" on spare2 (--map-db)`);
  });
});

describe('restore --map-db: every mapping is used', () => {
  it('--map-db nope=x with --yes exits 2 naming the unused mapping and the databases of the archive, and changes nothing', async () => {
    const spareRows = await tableFingerprints('postgres', spareDb);
    const before = catalogRestores(w.cfg).restores.length;
    const r = await w.cli('restore', '--host', 'main', '--to', 'spare', '--only', 'db', '--map-db', 'nope=x', '--yes');
    expect(r.exitCode, r.stderr + r.stdout).toBe(2);
    expect(r.stderr).toContain(`--map-db nope=x: no database named "nope" is restored from`);
    expect(r.stderr).toContain(`(its databases: ${pg} (db), ${maria} (shop))`);
    expect(r.stdout).not.toContain('Restore ');
    expect(await tableFingerprints('postgres', spareDb)).toEqual(spareRows);
    expect(catalogRestores(w.cfg).restores.length).toBe(before);
  });
});
