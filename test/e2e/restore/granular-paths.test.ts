// Granular restores end to end (issue 24): `restore --path` puts back exactly the files or folders
// asked, from an older archive, byte- and metadata-identical, with nothing outside them created,
// changed or deleted (compared with rsync -naiHAX --checksum against a copy taken before), files
// created since kept unless --delete, names with spaces, newlines, unicode and leading dashes,
// refusals (outside the source, "..", through a symlink: exit 2, nothing changed), and a rollback.
import { appendFileSync, chownSync, linkSync, mkdirSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync, existsSync, readFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { borgList, makeTempDir, nextSecond, oneFolderHost, pristineCopy, rsyncDifferences, type OneFolderHost } from '../../harness/index.js';
import { catalogRestores } from './setup.js';

let h: OneFolderHost;
let first: string;
let second: string;
/** The data folder as the first archive holds it. */
let ref1: string;

const SPACES = 'docs/file with spaces.txt';
const NEWLINE = 'docs/new\nline.txt';
const DASH = 'docs/-rf';
const UNICODE = 'docs/ünïcödé.txt';

/** A copy of the data folder now, with every attribute. */
async function copyNow(): Promise<string> {
  const dir = join(makeTempDir('granular-copy-'), 'data');
  await pristineCopy(h.data, dir);
  return dir;
}

/** A name as rsync prints it in the C locale: each byte outside printable ASCII as `\\#ooo`. */
const rsyncName = (name: string) => [...Buffer.from(name)].map((b) => (b < 0x20 || b > 0x7e ? `\\#${b.toString(8).padStart(3, '0')}` : String.fromCharCode(b))).join('');

/** What `rsync -naiHAX --checksum` says differs from `from` to the data folder now (deletions included). */
const changedSince = (from: string, opts: { delete?: boolean } = {}) => rsyncDifferences(from, h.data, opts);

beforeAll(async () => {
  h = await oneFolderHost();
  const d = (rel: string) => join(h.data, rel);
  mkdirSync(d('docs/sub'), { recursive: true });
  mkdirSync(d('other'));
  writeFileSync(d(SPACES), 'the report\n');
  await execa('setfacl', ['-m', 'u:4242:rw', '--', d(SPACES)]);
  await execa('setfattr', ['-n', 'user.pullback.note', '-v', 'kept', '--', d(SPACES)]);
  chownSync(d(SPACES), 1234, 5678);
  await execa('chmod', ['640', '--', d(SPACES)]);
  await execa('touch', ['-d', '2021-03-04 05:06:07.123456789', '--', d(SPACES)]);
  writeFileSync(d(NEWLINE), 'newline in the name\n');
  writeFileSync(d(DASH), 'a leading dash\n');
  writeFileSync(d(UNICODE), 'first version\n');
  writeFileSync(d('docs/hard-a'), 'one inode\n');
  linkSync(d('docs/hard-a'), d('docs/hard-b'));
  writeFileSync(d('docs/sub/deep.txt'), 'deep\n');
  writeFileSync(d('other/x.txt'), 'outside the selection\n');
  let r = await h.run('run');
  expect(r.exitCode, r.stderr + r.stdout).toBe(0);
  ref1 = await copyNow();
  await nextSecond();
  // The second night: a file deleted, one changed, files created, a hard link broken, one outside changed.
  unlinkSync(d(SPACES));
  unlinkSync(d(NEWLINE));
  writeFileSync(d(UNICODE), 'second version\n');
  writeFileSync(d('docs/created-since.txt'), 'made after the first night\n');
  rmSync(d('docs/sub/deep.txt'));
  writeFileSync(d('docs/sub/new.txt'), 'new\n');
  unlinkSync(d('docs/hard-b'));
  copyFileSync(d('docs/hard-a'), d('docs/hard-b'));
  appendFileSync(d('other/x.txt'), 'changed\n');
  r = await h.run('run');
  expect(r.exitCode, r.stderr + r.stdout).toBe(0);
  [first, second] = await borgList(h.repo, h.cfg.passphraseFile);
  expect(second).toBeDefined();
}, 60_000);

describe('pullback restore --path', () => {
  it('refuses a path outside the source, with "..", of no source, or not in the archive (exit 2, nothing changed)', async () => {
    const before = await copyNow();
    for (const [path, said] of [
      ['data/../etc/passwd', 'contains ".."'],
      ['data/docs/../../x', 'contains ".."'],
      ['/etc/passwd', "must start with a source's name"],
      ['nosuch/x', "must start with a source's name (sources: data)"],
      ['data', 'names the whole source data: restore it with --only data'],
      ['data/docs/never-there.txt', `"data/docs/never-there.txt" is not in ${first} (pullback find --host main "never-there.txt" lists`],
    ] as const) {
      const r = await h.run('restore', '--host', 'main', `--path=${path}`, '--archive', first, '--yes');
      expect(r.exitCode, `${path}: ${r.stderr}${r.stdout}`).toBe(2);
      expect(r.stderr).toContain(said);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(await changedSince(before)).toEqual([]);
  });

  it('refuses a path that lies through a symlink on the target (exit 2), and writes nothing where it points', async () => {
    const elsewhere = makeTempDir('granular-elsewhere-');
    renameSync(join(h.data, 'docs/sub'), join(h.root, 'sub-aside'));
    symlinkSync(elsewhere, join(h.data, 'docs/sub'));
    try {
      const before = await copyNow();
      const r = await h.run('restore', '--host', 'main', '--path', 'data/docs/sub/deep.txt', '--archive', first, '--yes');
      expect(r.exitCode, r.stderr + r.stdout).toBe(2);
      expect(r.stderr).toMatch(/docs\/sub", on the way to .*deep\.txt", is a symlink to ".*granular-elsewhere-.*": pullback does not restore through a symlink/);
      expect(existsSync(join(elsewhere, 'deep.txt'))).toBe(false);
      expect(await changedSince(before)).toEqual([]);
    } finally {
      unlinkSync(join(h.data, 'docs/sub'));
      renameSync(join(h.root, 'sub-aside'), join(h.data, 'docs/sub'));
    }
  });

  it('--dry-run lists what it would create and from which archive, and changes nothing', async () => {
    const before = await copyNow();
    const r = await h.run('restore', '--host', 'main', '--path', `data/${SPACES}`, '--archive', first, '--dry-run');
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`version: the paths as they were in ${first} \\(made \\S+, [\\dhms]+ old\\)`));
    expect(r.stdout).toContain('data: 1 created, 0 replaced, 0 deleted in main:');
    expect(r.stdout).toContain(`create  "${SPACES}"`);
    expect(r.stdout).toMatch(/PASS {2}age of .*the version chosen for the paths: no age limit/);
    expect(r.stdout).toContain('Dry run: every check passed; nothing was changed.');
    expect(await changedSince(before)).toEqual([]);
  });

  it('--dry-run of a folder as the target has it: nothing listed as replaced, the unchanged entries counted (rsync would not write them)', async () => {
    const r = await h.run('restore', '--host', 'main', '--path', 'data/docs/sub', '--archive', second, '--dry-run');
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/data: 0 created, 0 replaced, 0 deleted in main:\S+; 2 unchanged \(as archived: left as they are\)/);
    expect(r.stdout).not.toMatch(/^ +replace "/m);
    // One file as the target has it: unchanged too (rsync lists it alone), not "replaced".
    const one = await h.run('restore', '--host', 'main', '--path', 'data/docs/sub/new.txt', '--archive', second, '--dry-run');
    expect(one.exitCode, one.stderr + one.stdout).toBe(0);
    expect(one.stdout).toMatch(/data: 0 created, 0 replaced, 0 deleted in main:\S+; 1 unchanged \(as archived: left as they are\)/);
    // Against the first night: in the folder, the file changed since is replaced, the one that did not change is not.
    const older = await h.run('restore', '--host', 'main', '--path', 'data/docs', '--archive', first, '--dry-run');
    expect(older.exitCode, older.stderr + older.stdout).toBe(0);
    expect(older.stdout).toContain(`replace "${UNICODE}"`);
    expect(older.stdout).not.toContain(`replace "${DASH}"`);
    expect(older.stdout).toMatch(/data: \d+ created, \d+ replaced, 0 deleted in main:\S+; \d+ unchanged/);
  });

  it('restores deleted files with awkward names exactly, and nothing else changes (not even their folder\'s time)', async () => {
    const before = await copyNow();
    const r = await h.run('restore', '--host', 'main', '--path', `data/${SPACES}`, '--path', `data/${NEWLINE}`, '--path', `data/${DASH}`, '--path', `data/${UNICODE}`, '--archive', first, '--yes');
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/PASS {2}data: .* against main-\d{8}T\d{6}Z: identical \(rsync --checksum/);
    // Each name as the plan shows it (a newline as \n), not escaped twice (\\n).
    expect(r.stdout).toContain('"docs/new\\nline.txt"');
    expect(r.stdout).not.toContain('new\\\\nline');
    // Against the state before: only the restored files (the changed one's content, the two deleted ones).
    const changed = await changedSince(before);
    expect(changed.map((l) => l.slice(12)).sort()).toEqual([SPACES, NEWLINE, UNICODE].map(rsyncName).sort());
    // Against the first archive's state: the restored files are identical, metadata included.
    const same = await execa('rsync', ['-naiHAX', '--numeric-ids', '--checksum', '--', join(ref1, SPACES), join(ref1, NEWLINE), join(ref1, DASH), join(ref1, UNICODE), join(h.data, 'docs/')], { env: { LC_ALL: 'C' } });
    expect(same.stdout).toBe('');
    expect(readFileSync(join(h.data, 'docs/created-since.txt'), 'utf8')).toContain('made after');
    const { restores } = catalogRestores(h.cfg);
    expect(restores.at(-1)).toMatchObject({ status: 'ok', archive: first });
  });

  it('restores a folder from --before without --delete: files created since stay, and with --delete they go; a rollback puts them back', async () => {
    const before = await copyNow();
    const at = second.replace(/^main-(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z');
    let r = await h.run('restore', '--host', 'main', '--path', 'data/docs', '--before', at, '--yes');
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain(`version: the paths as they were in ${first}`);
    expect(r.stdout).toMatch(/2 created since stay \(no --delete\)/);
    // Exactly the first archive's folder, plus what was created since; nothing outside it changed.
    expect((await rsyncDifferences(join(ref1, 'docs'), join(h.data, 'docs'))).sort()).toEqual(['*deleting   created-since.txt', '*deleting   sub/new.txt']);
    expect(await rsyncDifferences(join(ref1, 'other'), join(h.data, 'other'))).not.toEqual([]); // changed on the second night, not restored
    expect(await rsyncDifferences(join(before, 'other'), join(h.data, 'other'))).toEqual([]);

    const beforeDelete = await copyNow();
    r = await h.run('restore', '--host', 'main', '--path', 'data/docs', '--archive', first, '--delete', '--yes');
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(await rsyncDifferences(join(ref1, 'docs'), join(h.data, 'docs'))).toEqual([]);
    const { restores } = catalogRestores(h.cfg);
    const id = restores.at(-1)!.id as number;
    expect(await borgList(h.repo, h.cfg.passphraseFile)).toContain(restores.at(-1)!.snapshot_archive);

    r = await h.run('restore', '--rollback', String(id), '--yes');
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(await changedSince(beforeDelete)).toEqual([]);
  });
});
