// Finding what to restore (issue 24), end to end over three real nights: `pullback find` lists every
// version of the matching paths across the archives kept, newest first, with what changed and where a
// file went away (answered from the catalog's file index, built once per archive); `pullback ls`
// shows one folder of an archive; `pullback diff` lists exactly the changes made between two
// archives; `pullback mount` mounts or says clearly why FUSE is not there.
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { borgList, makeTempDir, nextSecond, oneFolderHost, type OneFolderHost } from '../../harness/index.js';

let h: OneFolderHost;
let nights: string[];

const NEWLINE = 'docs/new\nline.txt';

beforeAll(async () => {
  h = await oneFolderHost();
  const d = (rel: string) => join(h.data, rel);
  mkdirSync(d('docs/sub'), { recursive: true });
  writeFileSync(d('docs/report.txt'), 'v1\n');
  writeFileSync(d('docs/gone.txt'), 'deleted on the second night\n');
  writeFileSync(d(NEWLINE), 'newline\n');
  writeFileSync(d('docs/-rf'), 'dash\n');
  writeFileSync(d('docs/ünï.txt'), 'unicode\n');
  writeFileSync(d('docs/sub/same.txt'), 'never changes\n');
  expect((await h.run('run')).exitCode).toBe(0);
  await nextSecond();
  unlinkSync(d('docs/gone.txt'));
  writeFileSync(d('docs/report.txt'), 'v2, longer\n');
  expect((await h.run('run')).exitCode).toBe(0);
  await nextSecond();
  writeFileSync(d('docs/created.txt'), 'new on the third night\n');
  chmodSync(d('docs/-rf'), 0o600);
  rmSync(d('docs/sub/same.txt'));
  writeFileSync(d('docs/sub/same.txt'), 'never changes\n'); // same content, new time
  expect((await h.run('run')).exitCode).toBe(0);
  nights = await borgList(h.repo, h.cfg.passphraseFile);
  expect(nights).toHaveLength(3);
}, 90_000);

describe('pullback find', () => {
  it('lists each version of a file newest first, where it went away, from the index each night built', async () => {
    // The nights indexed their archives (the index step): the first find lists none again.
    const indexed = new Database(join(h.cfg.stateDir, 'catalog.db'), { readonly: true });
    try {
      expect(indexed.prepare("SELECT COUNT(*) AS n FROM steps WHERE step = 'index' AND status = 'ok'").get()).toEqual({ n: 3 });
    } finally {
      indexed.close();
    }
    const r = await h.run('find', '--host', 'main', 'gone.txt');
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(r.stderr).not.toContain('indexing');
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('data/docs/gone.txt');
    expect(lines[3]).toMatch(new RegExp(`^  ${nights[1]} .*DELETED \\(gone in this archive\\)`));
    expect(lines[4]).toMatch(new RegExp(`^  ${nights[0]} .* 28 B +-rw-r--r-- .*oldest kept`));
    expect(r.stdout).not.toContain(nights[2]); // gone before the third night: nothing to say there
    // Answered from the index now: no archive listed again.
    const again = await h.run('find', '--host', 'main', '--json', '*.txt');
    expect(again.exitCode).toBe(0);
    expect(again.stderr).not.toContain('indexing');
    const found = JSON.parse(again.stdout) as { matches: Array<{ path: string; archive: string; change: string; size?: number }> };
    const report = found.matches.filter((m) => m.path === 'data/docs/report.txt');
    expect(report.map((m) => [m.archive, m.change, m.size])).toEqual([
      [nights[2], 'same', 11],
      [nights[1], 'changed', 11],
      [nights[0], 'oldest', 3],
    ]);
    expect(found.matches.filter((m) => m.path === 'data/docs/created.txt').map((m) => m.change)).toEqual(['new']);
    expect(found.matches.filter((m) => m.path === 'data/docs/sub/same.txt').map((m) => m.change)).toEqual(['changed', 'same', 'oldest']);
    expect(found.matches.some((m) => m.path === 'data/docs/ünï.txt')).toBe(true);
    expect(found.matches.some((m) => m.path === `data/${NEWLINE}`)).toBe(true);
  });

  it('finds a name with a leading dash (after --) and says when nothing matches (exit 1)', async () => {
    const r = await h.run('find', '--host', 'main', '--', '-rf');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {2}main-\S+ .* -rw------- .* changed$/m);
    const none = await h.run('find', '--host', 'main', 'no-such-name');
    expect(none.exitCode).toBe(1);
    expect(none.stdout).toBe('No path of the archives kept matches.');
  });

  it('keeps a small index: one version row per change, not per archive', () => {
    const db = new Database(join(h.cfg.stateDir, 'catalog.db'), { readonly: true });
    try {
      const { n } = db.prepare('SELECT COUNT(*) AS n FROM index_versions').get() as { n: number };
      const { p } = db.prepare('SELECT COUNT(*) AS p FROM index_paths').get() as { p: number };
      // 11 paths (data, a.txt, docs, sub and 7 files); new versions only where something changed
      // (report, -rf, same.txt, the folders' times), never one per archive (33).
      expect(p).toBe(11);
      expect(n).toBeLessThan(p + 10);
    } finally {
      db.close();
    }
  });
});

describe('pullback ls, diff and mount', () => {
  it('ls shows one folder of an archive like ls -l, and a file alone', async () => {
    const r = await h.run('ls', '--host', 'main', '--archive', nights[0]!, 'data/docs');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`${nights[0]}: data/docs`);
    expect(r.stdout).toMatch(/^-rw-r--r-- 0 0 28 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ gone\.txt$/m);
    expect(r.stdout).toMatch(/^drwxr-xr-x 0 0 +\d+ .* sub\/$/m);
    expect(r.stdout).toContain("'new\\nline.txt'");
    expect(r.stdout).not.toContain('same.txt'); // inside sub/
    const file = await h.run('ls', '--host', 'main', 'data/docs/report.txt');
    expect(file.stdout).toMatch(/-rw-r--r-- 0 0 11 .* report\.txt$/);
    const missing = await h.run('ls', '--host', 'main', 'data/docs/gone.txt');
    expect(missing.exitCode).toBe(1);
    expect(missing.stdout).toContain(`data/docs/gone.txt: not in ${nights[2]}`);
    // A name with a newline is one line, escaped and quoted like the entries (never a forged line).
    const nl = await h.run('ls', '--host', 'main', `data/${NEWLINE}`);
    expect(nl.exitCode, nl.stderr).toBe(0);
    expect(nl.stdout.split('\n')[0]).toBe(`${nights[2]}: 'data/docs/new\\nline.txt'`);
    expect(nl.stdout.trimEnd().split('\n')).toHaveLength(2);
  });

  it('diff lists exactly what changed between two archives', async () => {
    const r = await h.run('diff', '--host', 'main', '--json', nights[0]!, nights[1]!);
    expect(r.exitCode, r.stderr).toBe(0);
    const { changes } = JSON.parse(r.stdout) as { changes: Array<{ path: string; kind: string }> };
    expect(changes.filter((c) => c.kind !== 'modified' || !c.path.endsWith('docs')).map((c) => [c.kind, c.path]).sort()).toEqual([
      ['deleted', 'data/docs/gone.txt'],
      ['modified', 'data/docs/report.txt'],
    ]);
    const text = await h.run('diff', '--host', 'main', nights[1]!, nights[2]!, 'data/docs');
    expect(text.stdout).toMatch(/added \(1\):\n {4}data\/docs\/created\.txt {2}\(23 B\)/);
    expect(text.stdout).toMatch(/data\/docs\/-rf {2}\(mode -rw-r--r-- -> -rw-------\)/);
    // A path neither archive holds is said so (exit 1), not "No difference".
    const none = await h.run('diff', '--host', 'main', nights[0]!, nights[2]!, 'data/docs/never-there.txt');
    expect(none.exitCode).toBe(1);
    expect(none.stdout).toContain(`data/docs/never-there.txt: in neither ${nights[0]} nor ${nights[2]}`);
    const one = await h.run('diff', '--host', 'main', nights[1]!, nights[2]!, 'data/docs/created.txt');
    expect(one.exitCode).toBe(0);
    expect(one.stdout).toContain('added (1):');
  });

  it('restore --path --into extracts only the paths asked into a new local folder', async () => {
    const dir = join(makeTempDir('granular-into-'), 'out');
    const r = await h.run('restore', '--host', 'main', '--path', 'data/docs/gone.txt', '--path', `data/${NEWLINE}`, '--archive', nights[0]!, '--into', dir);
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/PASS {2}data: files at .*: 2 files, 36 B/);
    expect(readFileSync(join(dir, 'data/docs/gone.txt'), 'utf8')).toBe('deleted on the second night\n');
    expect(readdirSync(join(dir, 'data/docs')).sort()).toEqual(['gone.txt', 'new\nline.txt']);
  });

  it('mount mounts read-only, or says why FUSE is not available (exit 1, no stack trace)', async () => {
    const dir = makeTempDir('granular-mount-');
    const r = await h.run('mount', '--host', 'main', dir);
    if (r.exitCode === 0) {
      expect(r.stdout).toContain(`read-only at ${dir}`);
      try {
        // One folder per archive; the first night's still holds the file deleted since, byte for byte, and nothing can be written.
        expect(readdirSync(dir).sort()).toEqual([...nights].sort());
        const first = join(dir, nights[0]!, 'data', 'docs');
        expect(readFileSync(join(first, 'gone.txt'), 'utf8')).toBe('deleted on the second night\n');
        expect(readFileSync(join(first, 'new\nline.txt'), 'utf8')).toBe('newline\n');
        expect(() => writeFileSync(join(first, 'x.txt'), 'x')).toThrow(/EROFS|EACCES|EPERM|read-only/i);
      } finally {
        expect((await h.run('mount', '--unmount', dir)).exitCode).toBe(0);
      }
      expect(readdirSync(dir)).toEqual([]);
      return;
    }
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/FUSE is not available on this machine|installed without FUSE support/);
    expect(r.stderr).toContain('pullback restore --path ... --into DIR');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
