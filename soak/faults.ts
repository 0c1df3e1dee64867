// The fault menu: what the soak does to the world before a night (docs/soak.md, "The fault menu").
import { chmodSync, closeSync, cpSync, existsSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync, symlinkSync, truncateSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { psql } from '../test/harness/index.js';
import { int, note, pick, type Kill, type SoakState, type World } from './world.js';

export const FAULTS = [
  'none',
  'flip-segment-bytes',
  'truncate-last-segment',
  'delete-repo-index',
  'symlinked-root',
  'future-mtime',
  'past-mtime',
  'mass-deletion',
  'sigkill-run',
  'sigterm-run',
  'db-schema-change',
  'passphrase-0644',
] as const;
export type Fault = (typeof FAULTS)[number];

/** Faults after which the night must not exit 0 (invariant 4). */
export const MUST_FAIL: ReadonlySet<Fault> = new Set(['symlinked-root', 'passphrase-0644', 'flip-segment-bytes', 'truncate-last-segment']);

export interface Injection {
  /** Undone after the night. */
  undo?: () => void;
  /** The signal sent to the night's `pullback run`. */
  kill?: Kill;
  /** Why the fault could not be injected this night (nothing to damage yet). */
  skipped?: string;
}

/** Injects `fault` before the night. */
export async function inject(world: World, state: SoakState, fault: Fault): Promise<Injection> {
  const { data, aside, repo, cfg } = world;
  switch (fault) {
    case 'none':
      return {};
    case 'flip-segment-bytes': {
      const segs = world.segments().filter((p) => statSync(p).size > 1000);
      if (segs.length === 0) return { skipped: 'no segment yet' };
      const seg = segs[segs.length - 1 - int(Math.min(2, segs.length))]!;
      const size = statSync(seg).size;
      const at = 200 + int(size - 400);
      const fd = openSync(seg, 'r+');
      const buf = Buffer.alloc(16);
      readSync(fd, buf, 0, 16, at);
      for (let i = 0; i < 16; i++) buf[i] = buf[i]! ^ 0xff;
      writeSync(fd, buf, 0, 16, at);
      closeSync(fd);
      state.damage = 'corrupt';
      note(`flipped 16 bytes at ${at} of ${seg}`);
      return {};
    }
    case 'truncate-last-segment': {
      const segs = world.segments();
      if (segs.length === 0) return { skipped: 'no segment yet' };
      const seg = segs.at(-1)!;
      const size = statSync(seg).size;
      truncateSync(seg, Math.floor(size / 2));
      if (state.damage === 'none') state.damage = 'rolled-back';
      note(`truncated ${seg} from ${size} to ${Math.floor(size / 2)} bytes`);
      return {};
    }
    case 'delete-repo-index': {
      const idx = existsSync(repo) ? readdirSync(repo).filter((f) => /^index\.\d+$/.test(f)) : [];
      if (idx.length === 0) return { skipped: 'no index yet' };
      for (const f of idx) rmSync(join(repo, f));
      return {};
    }
    case 'symlinked-root': {
      const elsewhere = join(aside, 'elsewhere');
      mkdirSync(elsewhere, { recursive: true });
      writeFileSync(join(elsewhere, 'not-data.txt'), 'this is not the data folder\n');
      renameSync(data, join(aside, 'data-real'));
      symlinkSync(elsewhere, data);
      return { undo: () => { rmSync(data); renameSync(join(aside, 'data-real'), data); } };
    }
    case 'future-mtime': {
      const notes = readdirSync(data).filter((f) => f.endsWith('.txt'));
      const when = new Date(Date.now() + 365 * 86400_000);
      utimesSync(join(data, pick(notes)), when, when);
      return {};
    }
    case 'past-mtime': {
      const notes = readdirSync(data).filter((f) => f.endsWith('.txt'));
      const when = new Date('2001-02-03T04:05:06Z');
      utimesSync(join(data, pick(notes)), when, when);
      return {};
    }
    case 'mass-deletion': {
      const moved = join(aside, 'mass-deleted');
      rmSync(moved, { recursive: true, force: true });
      cpSync(data, moved, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
      for (const f of readdirSync(data)) rmSync(join(data, f), { recursive: true });
      return { undo: () => { rmSync(data, { recursive: true }); renameSync(moved, data); } };
    }
    case 'sigkill-run':
      return { kill: { signal: 'SIGKILL', afterMs: 200 + int(2800) } };
    case 'sigterm-run':
      return { kill: { signal: 'SIGTERM', afterMs: 200 + int(2800) } };
    case 'db-schema-change':
      await psql(world.db, `CREATE TABLE extra_${state.night} (id int PRIMARY KEY, note text); INSERT INTO extra_${state.night} SELECT g, 'n' FROM generate_series(1, ${1 + int(50)}) g;`);
      return {};
    case 'passphrase-0644':
      chmodSync(cfg.passphraseFile, 0o644);
      return { undo: () => chmodSync(cfg.passphraseFile, 0o600) };
  }
}
