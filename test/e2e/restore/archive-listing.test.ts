// The restore plan's walk of an archive (tools/borg/list-items.ts listItemSizes): mode, size, path and
// link target as NUL-ended record pairs, read from a real borg archive with hostile names, a hard
// link and a symlink; and the per-source figures built from it count a hard-linked file once.
import { linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { runBorg, type BorgContext } from '../../../src/tools/borg/run.js';
import { itemSizeRecords, listItemSizes, type ItemSize } from '../../../src/tools/borg/list-items.js';
import { archiveFigures } from '../../../src/archive/facts.js';
import { makeTempDir } from '../../harness/index.js';
import { HOSTILE_ARGUMENTS } from '../../harness/hostile.js';

// Every hostile argument that can be a file name.
const HOSTILE_NAMES = HOSTILE_ARGUMENTS.filter((a) => a !== '' && !a.includes('/'));

describe('the restore plan\'s archive listing', () => {
  it('reads mode, size, path and link target of every item, names with newlines and leading dashes included', async () => {
    const dir = makeTempDir('pullback-listing-');
    const repo = join(dir, 'repo');
    const src = join(dir, 'src');
    mkdirSync(join(src, 'data'), { recursive: true });
    mkdirSync(join(src, 'blobs'), { recursive: true });
    for (const n of HOSTILE_NAMES) writeFileSync(join(src, 'data', n), `${n}!`);
    writeFileSync(join(src, 'blobs', 'big'), Buffer.alloc(5000, 1));
    linkSync(join(src, 'blobs', 'big'), join(src, 'blobs', 'same\nbig'));
    symlinkSync('big', join(src, 'blobs', 'link -> x'));
    const ctx: BorgContext = { repository: { pathTemplate: repo, encryption: 'none', compression: 'lz4' } as BorgContext['repository'], stateDir: makeTempDir('pullback-listing-state-'), logger: pino({ level: 'silent' }) };
    expect((await runBorg(ctx, ['init', '--encryption', 'none', repo])).result.exitCode).toBe(0);
    expect((await runBorg(ctx, ['create', `${repo}::a`, 'data', 'blobs'], { cwd: src })).result.exitCode).toBe(0);

    const items: ItemSize[] = [];
    await listItemSizes(ctx, repo, 'a', (i) => void items.push(i));
    const files = items.filter((i) => i.type === '-' && i.path.startsWith('data/'));
    expect(files.map((i) => i.path).sort()).toEqual(HOSTILE_NAMES.map((n) => `data/${n}`).sort());
    for (const f of files) expect(f.size).toBe(Buffer.byteLength(`${f.path.slice(5)}!`));
    const byPath = new Map(items.map((i) => [i.path, i]));
    expect(byPath.get('blobs/link -> x')).toMatchObject({ type: 'l', linktarget: 'big' });
    // borg lists a hard link's later path with mode h... , size 0 and the first path as its target.
    const later = [byPath.get('blobs/big')!, byPath.get('blobs/same\nbig')!].find((i) => i.mode.startsWith('h'))!;
    expect(later).toMatchObject({ type: '-', size: 0 });
    expect(['blobs/big', 'blobs/same\nbig']).toContain(later.linktarget);
    expect(byPath.get('data')?.type).toBe('d');
    expect(byPath.get('data')?.linktarget).toBeUndefined();

    const archived = new Map<string, Set<string>>();
    const figures = await archiveFigures(ctx, repo, 'a', archived);
    expect(figures.blobs).toEqual({ files: 2, bytes: 10000 });
    expect(figures.data!.files).toBe(HOSTILE_NAMES.length);
    expect([...archived.get('blobs')!].sort()).toEqual(['big', 'link -> x', 'same\nbig'].sort());
  });

  it('refuses a record that is not MODE SIZE ISOMTIME HEALTH PATH', () => {
    const fold = itemSizeRecords(() => undefined);
    expect(() => fold('garbage')).toThrow(/mode size isomtime health path/);
  });
});
