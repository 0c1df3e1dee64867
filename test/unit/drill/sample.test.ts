import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/drill/random.js';
import { pickSample, ReservoirSample } from '../../../src/drill/reservoir.js';
import { dumpPaths, dumpsOf, dumpsToRestore, fixedSampleSize, isSampleCandidate, mirrorDifference, mirrorIsArchive, parseSampleRequest, sampleSize, sampleTargets, splitArchivePath } from '../../../src/drill/sample.js';

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ path: `data/f${String(i).padStart(4, '0')}` }));

describe('drill sample', () => {
  it('picks k distinct paths, reproducibly for a seed, whatever the input order', () => {
    const a = pickSample(items(1000), 20, seededRandom('s1', 'main'));
    const b = pickSample([...items(1000)].reverse(), 20, seededRandom('s1', 'main'));
    expect(a).toHaveLength(20);
    expect(new Set(a.map((x) => x.path)).size).toBe(20);
    expect(b).toEqual(a);
    const c = pickSample(items(1000), 20, seededRandom('s2', 'main'));
    expect(c).not.toEqual(a);
    const d = pickSample(items(1000), 20, seededRandom('s1', 'other-host'));
    expect(d).not.toEqual(a);
  });

  it('returns everything when k exceeds the candidates, sorted by path', () => {
    const all = pickSample([{ path: 'b' }, { path: 'a' }], 5, seededRandom('x'));
    expect(all.map((x) => x.path)).toEqual(['a', 'b']);
  });

  it('is roughly uniform', () => {
    const hits = new Array<number>(10).fill(0);
    const rand = seededRandom('uniform');
    for (let i = 0; i < 5000; i++) for (const x of pickSample(items(10), 1, rand)) hits[Number(x.path.slice(-4))]!++;
    for (const h of hits) expect(h).toBeGreaterThan(400);
  });

  it('streams: a reservoir of k whatever the number offered, the same sample as from the whole list', () => {
    const r = new ReservoirSample<{ path: string }>(50, seededRandom('stream', 'main'));
    function* lazily() {
      for (let i = 299_999; i >= 0; i--) yield { path: `data/d${i % 300}/f${i}` };
    }
    for (const item of lazily()) r.offer(item);
    const streamed = r.take();
    expect(r.offered).toBe(300_000);
    expect(streamed).toHaveLength(50);
    expect(new Set(streamed.map((x) => x.path)).size).toBe(50);
    expect(streamed.map((x) => x.path)).toEqual([...streamed.map((x) => x.path)].sort());
    const all = Array.from({ length: 300_000 }, (_, i) => ({ path: `data/d${i % 300}/f${i}` }));
    expect(pickSample(all, 50, seededRandom('stream', 'main'))).toEqual(streamed);
  });

  it('gives every item the same chance in a sample of several', () => {
    const hits = new Array<number>(10).fill(0);
    const rand = seededRandom('uniform-k');
    for (let i = 0; i < 3000; i++) for (const x of pickSample(items(10), 3, rand)) hits[Number(x.path.slice(-4))]!++;
    // 900 expected each (3000 draws x 3/10).
    for (const h of hits) expect(h).toBeGreaterThan(780);
    for (const h of hits) expect(h).toBeLessThan(1020);
  });

  it('sizes the sample from --sample, --percent or the default', () => {
    expect(sampleSize(1000, {}, 100)).toBe(100);
    expect(sampleSize(50, {}, 100)).toBe(50);
    expect(sampleSize(1000, { sample: 5 }, 100)).toBe(5);
    expect(sampleSize(1000, { percent: 10 }, 100)).toBe(100);
    expect(sampleSize(7, { percent: 1 }, 100)).toBe(1);
    expect(sampleSize(0, { sample: 5 }, 100)).toBe(0);
  });

  it('validates the options', () => {
    expect(parseSampleRequest('5', undefined)).toEqual({ sample: 5 });
    expect(parseSampleRequest(undefined, '2.5')).toEqual({ percent: 2.5 });
    expect(parseSampleRequest(undefined, undefined)).toEqual({});
    expect(() => parseSampleRequest('5', '10')).toThrow(/either/);
    expect(() => parseSampleRequest('0', undefined)).toThrow(/--sample/);
    expect(() => parseSampleRequest('x', undefined)).toThrow(/--sample/);
    expect(() => parseSampleRequest(undefined, '101')).toThrow(/--percent/);
    expect(() => parseSampleRequest(undefined, '0')).toThrow(/--percent/);
  });

  it('excludes non-files, the manifest and dumps from the candidates; lists dumps from the manifest', () => {
    const dumps = new Set(dumpPaths({ sources: [{ name: 'db', dumps: [{ file: 'app.pgdump' }, { file: './x/y.sql' }] }, { name: 'data' }] }));
    expect([...dumps]).toEqual(['db/app.pgdump', 'db/x/y.sql']);
    expect(isSampleCandidate({ type: '-', path: 'data/a' }, dumps)).toBe(true);
    expect(isSampleCandidate({ type: 'd', path: 'data' }, dumps)).toBe(false);
    expect(isSampleCandidate({ type: 'l', path: 'data/link' }, dumps)).toBe(false);
    expect(isSampleCandidate({ type: '-', mode: '-rw-r--r--', path: 'data/master' }, dumps)).toBe(true);
    expect(isSampleCandidate({ type: '-', mode: 'hrw-r--r--', path: 'data/second-name' }, dumps)).toBe(false);
    expect(isSampleCandidate({ type: '-', path: '.pullback/manifest.json' }, dumps)).toBe(false);
    expect(isSampleCandidate({ type: '-', path: 'db/app.pgdump' }, dumps)).toBe(false);
    expect(splitArchivePath('data/a/b c')).toEqual({ source: 'data', rest: 'a/b c' });
  });

  it('fixes the size from --sample or the default; a percentage waits for the count', () => {
    expect(fixedSampleSize({}, 100)).toBe(100);
    expect(fixedSampleSize({ sample: 5 }, 100)).toBe(5);
    expect(fixedSampleSize({ percent: 10 }, 100)).toBeUndefined();
  });

  it('drills every dump the manifest names: found ones after the sampled files, missing ones apart', () => {
    const record = { file: 'app.pgdump', engine: 'postgres', database: 'app', format: 'custom' as const, size: 1, sha256: 'x' };
    const manifest = { format: 1 as const, host: 'h', archive: 'a', createdAt: '', sources: [{ name: 'db', kind: 'dir', path: '/db', status: 'ok', dumps: [record, { ...record, file: 'gone.pgdump' }] }] };
    const dumps = dumpsOf(manifest);
    expect([...dumps.keys()]).toEqual(['db/app.pgdump', 'db/gone.pgdump']);
    const s = sampleTargets([{ path: 'data/a', size: NaN }], [{ path: 'db/app.pgdump', size: NaN }], dumps);
    expect(s.targets.map((t) => t.path)).toEqual(['data/a', 'db/app.pgdump']);
    expect(s.dumpTargets[0]!.dump).toEqual({ source: 'db', record });
    expect(s.missingDumps).toEqual(['db/gone.pgdump']);
    // A dump whose file came back as a mismatch is not restored into a database: it fails as one.
    const results = [{ path: 'db/app.pgdump', verdict: 'mismatch' as const, originCompared: false }];
    expect(dumpsToRestore(s.dumpTargets, results, '/scratch').failed.map((t) => t.path)).toEqual(['db/app.pgdump']);
    expect(dumpsToRestore(s.dumpTargets, [], '/scratch').restore).toEqual([{ path: 'db/app.pgdump', file: '/scratch/db/app.pgdump', source: 'db', record }]);
  });

  it('lets the mirror stand in only for the archive it was archived as, and checks it after the extraction', () => {
    expect(mirrorIsArchive({ repository: '/r', archive: 'a1' }, '/r', 'a1')).toBe(true);
    expect(mirrorIsArchive({ repository: '/r', archive: 'a1' }, '/r', 'a2')).toBe(false);
    expect(mirrorIsArchive({ repository: '/other', archive: 'a1' }, '/r', 'a1')).toBe(false);
    expect(mirrorIsArchive(undefined, '/r', 'a1')).toBe(false);
    const mtime = '2024-01-02T03:04:05.000000';
    const seconds = Math.floor(Date.parse(mtime) / 1000);
    const hashes = { sha256: new Map(), mtime: new Map([['data/a', mtime]]), size: new Map([['data/a', 10]]), damaged: new Map([['data/bad', 'integrity']]) };
    expect(mirrorDifference(new Map([['data/a', { size: 10, mtimeSeconds: seconds }], ['data/bad', { size: 1, mtimeSeconds: 0 }]]), hashes)).toBeUndefined();
    expect(mirrorDifference(new Map([['data/a', { size: 11, mtimeSeconds: seconds }]]), hashes)).toMatch(/11 bytes in the mirror, 10 in the archive/);
    expect(mirrorDifference(new Map([['data/a', { size: 10, mtimeSeconds: seconds + 1 }]]), hashes)).toMatch(/another time/);
    expect(mirrorDifference(new Map([['data/b', { size: 10, mtimeSeconds: seconds }]]), hashes)).toMatch(/not a regular file/);
  });
});
