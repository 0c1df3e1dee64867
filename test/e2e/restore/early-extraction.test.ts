// The extraction ahead begun beside the plan's reads (restore/early-staging.ts), end to end (real
// sshd, rsync, borg): from the catalog's record of the archive, what the restore pushes is extracted
// at once, it stands for the archive check (borg check), and it is the one extraction; a guess borg's listing does
// not confirm, or a record that names other paths than the archive's own manifest, is stopped and
// removed, and the archive itself decides what is extracted and restored.
import Database from 'better-sqlite3';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { diffTrees, snapshotTree, startSshd, type TreeSnapshot } from '../../harness/index.js';
import { backedUp, makeTrees, sources, type World } from './setup.js';

let w: World;
let older: string;
let newest: string;
let atNewest: { blobs: TreeSnapshot; data: TreeSnapshot };

interface Ran {
  cmd: string;
  start: number;
  end: number;
}

/** The external commands a run logged (`--log-level debug --log-format json`), with when each began and ended. */
function commands(stderr: string): Ran[] {
  return stderr
    .split('\n')
    .filter((l) => l.includes('"command finished"'))
    .map((l) => JSON.parse(l) as { cmd: string; time: number; durationMs: number })
    .map((e) => ({ cmd: e.cmd, start: e.time - e.durationMs, end: e.time }));
}

/** The extractions of what is restored (not the manifest's, not a read back with --dry-run), each with its archive. */
const extractions = (ran: Ran[]) =>
  ran.filter((c) => c.cmd.startsWith('borg extract ') && !c.cmd.includes('manifest.json') && !c.cmd.includes('--dry-run')).map((c) => ({ ...c, archive: /::(\S+)/.exec(c.cmd)?.[1] }));

const restoreDirEmpty = () => expect(readdirSync(join(w.cfg.stateDir, 'restore'))).toEqual([]);

beforeAll(async () => {
  const server = await startSshd();
  const main = makeTrees('restore-early-', true);
  // `gone`: a host whose sshd does not answer (nothing listens on port 1), for a refused login.
  const gone = { address: server.address, port: 1, user: server.user };
  w = await backedUp(main, [{ name: 'main', server, sources: sources(main) }, { name: 'gone', server: gone, sources: sources(makeTrees('restore-gone-', false)) }], server);
  writeFileSync(join(main.data, 'changed.txt'), 'the second night\n');
  const second = await w.cli('run', '--host', 'main');
  expect(second.exitCode, second.stderr + second.stdout).toBe(0);
  atNewest = { blobs: snapshotTree(main.blobs), data: snapshotTree(main.data) };
  const db = new Database(join(w.cfg.stateDir, 'catalog.db'), { readonly: true });
  [older, newest] = (db.prepare("SELECT name FROM archives WHERE host = 'main' ORDER BY created_at").all() as Array<{ name: string }>).map((r) => r.name) as [string, string];
  db.close();
});

function lose(): void {
  rmSync(w.main.data, { recursive: true });
  writeFileSync(join(w.main.blobs, 'intruder.txt'), 'not in the archive\n');
}

async function restore(): Promise<{ ran: Ran[]; stdout: string }> {
  lose();
  const r = await w.cli('--log-level', 'debug', '--log-format', 'json', 'restore', '--host', 'main', '--yes');
  expect(r.exitCode, r.stderr + r.stdout).toBe(0);
  expect(diffTrees(atNewest.blobs, w.main.blobs)).toEqual([]);
  expect(diffTrees(atNewest.data, w.main.data)).toEqual([]);
  restoreDirEmpty();
  return { ran: commands(r.stderr), stdout: r.stdout };
}

/** Edits the catalog for one test; `undo` puts it back. */
function editCatalog(sql: string, undo: string, ...params: unknown[]): () => void {
  const db = new Database(join(w.cfg.stateDir, 'catalog.db'));
  db.prepare(sql).run(...params);
  db.close();
  return () => {
    const back = new Database(join(w.cfg.stateDir, 'catalog.db'));
    back.prepare(undo).run(...params);
    back.close();
  };
}

describe('the extraction ahead, begun beside the plan', () => {
  it("extracts what the catalog's record of the newest archive says, once, beside the plan's reads; it stands for the archive check", async () => {
    const { ran, stdout } = await restore();
    const ex = extractions(ran);
    expect(ex.map((e) => e.archive)).toEqual([newest]);
    expect(ex[0]!.cmd).toMatch(/ -- blobs data$/);
    // Begun before the plan's reads ended (the item listing).
    // Found by the item listing's leading fields, whatever else its format holds ({isomtime}, {health}, ...).
    const listing = ran.find((c) => c.cmd.startsWith('borg list ') && c.cmd.includes('{mode} {size} '));
    expect(listing, ran.map((c) => c.cmd).join('\n')).toBeDefined();
    expect(ex[0]!.start).toBeLessThanOrEqual(listing!.end);
    // It read every item of the archive and every chunk restored: no borg check reads them again.
    expect(ran.filter((c) => c.cmd.startsWith('borg check '))).toEqual([]);
    expect(stdout).toMatch(new RegExp(`PASS {2}archive ${newest}: every item read and verified by the extraction ahead in \\d+\\.\\d s .*stands for borg check --archives-only`));
    expect(stdout).toMatch(/PASS {2}every chunk of what is restored from main-\S+: read and verified \(extracted ahead for the push/);
  });

  it('stops and removes a guess borg does not confirm, and restores the archive borg lists', async () => {
    // The catalog takes the newest for pruned: its guess is the older archive.
    const undo = editCatalog('UPDATE archives SET pruned_at = created_at WHERE name = ?', 'UPDATE archives SET pruned_at = NULL WHERE name = ?', newest);
    try {
      const { ran } = await restore();
      const ex = extractions(ran);
      expect(ex.map((e) => e.archive)).toEqual([older, newest]);
      // The listed archive's extraction is the late one: after its borg check passed.
      expect(ex[1]!.start).toBeGreaterThanOrEqual(ran.find((c) => c.cmd.startsWith('borg check '))!.end);
    } finally {
      undo();
    }
  });

  it("stops and removes an extraction of other paths than the archive's own manifest names", async () => {
    const db = new Database(join(w.cfg.stateDir, 'catalog.db'));
    const recorded = (db.prepare('SELECT manifest FROM archives WHERE name = ?').get(newest) as { manifest: string }).manifest;
    const m = JSON.parse(recorded) as { sources: Array<{ name: string }> };
    db.prepare('UPDATE archives SET manifest = ? WHERE name = ?').run(JSON.stringify({ ...m, sources: m.sources.filter((s) => s.name !== 'data') }), newest);
    db.close();
    try {
      const { ran } = await restore();
      const ex = extractions(ran);
      expect(ex.map((e) => e.cmd.replace(/^.* -- /, ''))).toEqual(['blobs', 'blobs data']);
      expect(ex.map((e) => e.archive)).toEqual([newest, newest]);
    } finally {
      const back = new Database(join(w.cfg.stateDir, 'catalog.db'));
      back.prepare('UPDATE archives SET manifest = ? WHERE name = ?').run(recorded, newest);
      back.close();
    }
    expect(readFileSync(join(w.main.data, 'changed.txt'), 'utf8')).toBe('the second night\n');
  });

  it('stops the extraction ahead when the login fails: borg check says what it says, and the restore is refused with nothing changed', async () => {
    const r = await w.cli('--log-level', 'debug', '--log-format', 'json', 'restore', '--host', 'main', '--to', 'gone', '--yes');
    expect(r.exitCode, r.stderr + r.stdout).toBe(1);
    expect(r.stdout).toMatch(/FAIL {2}SSH login to /);
    expect(r.stdout).toMatch(/PASS {2}borg check of main-/);
    expect(r.stdout).toContain('Readiness failed: the restore stops here; nothing was changed');
    expect(commands(r.stderr).filter((c) => c.cmd.startsWith('borg check '))).toHaveLength(1);
    restoreDirEmpty();
  });
});
