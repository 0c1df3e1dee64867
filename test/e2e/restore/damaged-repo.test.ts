// A restore from a damaged repository (real sshd, rsync, borg, PostgreSQL): bytes flipped in the
// segment holding the newest archive's chunks make the readiness checklist FAIL naming the damaged
// file, and a real restore stop before stop_writes with the target's rows and bytes unchanged; a
// safety snapshot that shares the damaged chunks does not read back and goes to a separate
// repository, from which the rollback works; a recorded failed check makes the checklist FAIL
// until --force, which sends the snapshot outside the damaged repository at once.
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { corruptLargestSegment, createPgDatabase, diffTrees, psql, snapshotTree, startSshd, tableFingerprints } from '../../harness/index.js';
import { backedUp, catalogRestores, makeTrees, sources, type World } from './setup.js';

let w: World;
let db: string;
let marks: { stop: string; start: string };
/** The file whose chunks are damaged: the largest of the archive, most of its one segment. */
const DAMAGED = 'blobs/random.bin';

beforeAll(async () => {
  const server = await startSshd();
  db = await createPgDatabase('pbdamage');
  await psql(db, `CREATE TABLE items (id int PRIMARY KEY, label text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 200) g;`);
  const main = makeTrees('restore-damage-main-', true);
  // Incompressible and far larger than the rest: the middle of the segment is in its chunks.
  writeFileSync(join(main.blobs, 'random.bin'), randomBytes(3 * 1024 * 1024));
  marks = { stop: join(main.root, 'writes-stopped'), start: join(main.root, 'writes-started') };
  const restore = { stop_writes: [['touch', marks.stop]], start_writes: [['touch', marks.start]] };
  w = await backedUp(main, [{ name: 'main', server, sources: sources(main, db), override: { restore } }], server);
  corruptLargestSegment(w.cfg.repoPath('main'), 64);
});

describe('pullback restore from a damaged repository', () => {
  it('--dry-run FAILs readiness naming the damaged file, and a real restore stops before stop_writes with nothing changed', async () => {
    // The target differs from the archive: a restore would change rows and files.
    await psql(db, `INSERT INTO items VALUES (1001, 'after the backup'); DELETE FROM items WHERE id <= 10;`);
    writeFileSync(join(w.main.data, 'new since the backup.txt'), 'new\n');
    const rows = await tableFingerprints('postgres', db);
    const trees = { blobs: snapshotTree(w.main.blobs), data: snapshotTree(w.main.data) };

    const dry = await w.cli('restore', '--host', 'main', '--dry-run');
    expect(dry.exitCode, dry.stderr + dry.stdout).toBe(1);
    expect(dry.stdout).toMatch(new RegExp(`FAIL {2}every chunk of what is restored from main-\\S+: UNREADABLE in the repository: ${DAMAGED}.*Data integrity error`));
    expect(dry.stdout).toContain('Dry run: the restore would stop at the failed checks above; nothing was changed.');

    const real = await w.cli('restore', '--host', 'main', '--yes');
    expect(real.exitCode, real.stderr + real.stdout).toBe(1);
    expect(real.stdout).toMatch(new RegExp(`FAIL {2}every chunk of what is restored from main-\\S+: UNREADABLE in the repository: ${DAMAGED}`));
    expect(real.stdout).toContain('Readiness failed: the restore stops here; nothing was changed (untouched: db, blobs, data).');
    expect(existsSync(marks.stop)).toBe(false);
    expect(await tableFingerprints('postgres', db)).toEqual(rows);
    expect(diffTrees(trees.blobs, w.main.blobs)).toEqual([]);
    expect(diffTrees(trees.data, w.main.data)).toEqual([]);
    expect(catalogRestores(w.cfg).steps.map((s) => [s.kind, s.status])).toEqual([['readiness', 'failed']]);
  });

  it('a safety snapshot sharing the damaged chunks does not read back: it goes to a separate repository, and the rollback works', async () => {
    // The target's data holds a copy of the damaged file: borg stores its snapshot as the damaged chunks it already has.
    copyFileSync(join(w.main.blobs, 'random.bin'), join(w.main.data, 'copy of random.bin'));
    const before = snapshotTree(w.main.data);
    const r = await w.cli('restore', '--host', 'main', '--only', 'data', '--yes');
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/PASS {2}every chunk of what is restored from main-\S+: read and verified \(extracted ahead for the push/);
    const safety = join(w.cfg.stateDir, 'safety', 'main');
    expect(r.stdout).toContain(`in ${safety}, outside the damaged repository (its copy in ${w.cfg.repoPath('main')} did not read back (unreadable: data/copy of random.bin))`);
    expect(r.stdout).toMatch(new RegExp(`kept as main-pre-restore-\\S+ in the separate repository ${safety} \\(outside the damaged one\\); to undo: .* restore --rollback (\\d+) --yes`));
    expect(existsSync(join(w.main.data, 'copy of random.bin'))).toBe(false);

    const id = /restore --rollback (\d+) --yes/.exec(r.stdout)![1]!;
    const back = await w.cli('restore', '--rollback', id, '--yes');
    expect(back.exitCode, back.stderr + back.stdout).toBe(0);
    expect(back.stdout).toMatch(/PASS {2}every chunk of what is restored from main-pre-restore-\S+: read and verified/);
    expect(diffTrees(before, w.main.data)).toEqual([]);
  });

  it('a recorded failed check makes readiness FAIL; --force restores with the snapshot outside the damaged repository', async () => {
    const check = await w.cli('check', '--host', 'main');
    expect(check.exitCode, check.stderr + check.stdout).toBe(1);
    const repo = w.cfg.repoPath('main');

    // data's own chunks all read back: the recorded failure alone refuses.
    const dry = await w.cli('restore', '--host', 'main', '--only', 'data', '--dry-run');
    expect(dry.exitCode, dry.stderr + dry.stdout).toBe(1);
    expect(dry.stdout).toMatch(new RegExp(`FAIL {2}recorded checks of ${repo}: (.*, )?repository check failed at \\S+.* the repository is damaged`));
    expect(dry.stdout).toMatch(/PASS {2}every chunk of what is restored from main-\S+: read and verified/);

    const forced = await w.cli('restore', '--host', 'main', '--only', 'data', '--force', '--yes');
    expect(forced.exitCode, forced.stderr + forced.stdout).toBe(0);
    expect(forced.stdout).toMatch(/WARN {2}recorded checks of .*overridden by --force/);
    expect(forced.stdout).toContain(`outside the damaged repository (${repo} has a failed `);
    expect(forced.stdout).toMatch(/outside the damaged repository \(\S+ has a failed (\S+ and )*repository( and \S+)* check recorded/);
    expect(forced.stdout).toMatch(/restore --rollback \d+ --yes/);
  });
});
