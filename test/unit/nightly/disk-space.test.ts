// The free-space preflight's arithmetic: growth estimates from history (and without it), room for
// borg, one verdict per filesystem however many mirrors and repositories share it.
import { describe, expect, it } from 'vitest';
import { BORG_FIXED_OVERHEAD, BORG_MAX_OBJECT, OBJECT_OVERHEAD, borgRoom, judgeDiskSpace, mirrorGrowth, refusedHosts, repositoryGrowth, type HostHistory, type SpaceNeed } from '../../../src/nightly/disk-space.js';
import type { FilesystemFacts } from '../../../src/util/filesystem.js';

const MiB = 1024 * 1024;
const fs = (dev: number, size: number, used: number, free = size - used): FilesystemFacts => ({ dev, mount: `/mnt/fs${dev}`, type: 'tmpfs', size, used, free });
const need = (hosts: string[], dev: number, bytes: number, what = `mirror of ${hosts[0]}`): SpaceNeed => ({ hosts, what, dev, estimate: { bytes, basis: 'test' } });

describe('growth estimates', () => {
  const history: HostHistory = {
    host: 'web',
    sources: [
      { name: 'data', transferred: [2 * MiB, 5 * MiB, 1 * MiB], size: 50 * MiB },
      { name: 'db', transferred: [3 * MiB], size: 10 * MiB },
    ],
    archiveGrowth: [1 * MiB, 4 * MiB],
    unarchived: 0,
  };

  it('expects the largest recent pull of each source and the largest recent archive again', () => {
    const m = mirrorGrowth(history);
    expect(m.bytes).toBe(8 * MiB);
    expect(m.unknown).toBeUndefined();
    expect(repositoryGrowth(history, m)).toMatchObject({ bytes: 4 * MiB });
  });

  it('looks back over the last 7 runs only', () => {
    const old = { ...history, sources: [{ name: 'data', transferred: [1, 1, 1, 1, 1, 1, 1, 99 * MiB] }] };
    expect(mirrorGrowth(old).bytes).toBe(1);
  });

  it('without history: a source never pulled counts 0 and is said; a first archive is the whole mirror, uncompressed', () => {
    const fresh: HostHistory = { host: 'new', sources: [{ name: 'data', transferred: [] }, { name: 'db', transferred: [3 * MiB], size: 10 * MiB }], archiveGrowth: [], unarchived: 0 };
    const m = mirrorGrowth(fresh);
    expect(m.bytes).toBe(3 * MiB);
    expect(m.unknown).toMatch(/^no earlier pull of data, so its size is unknown and counted as 0/);
    const r = repositoryGrowth(fresh, m);
    expect(r.bytes).toBe(13 * MiB);
    expect(r.basis).toMatch(/no earlier archive: the whole mirror/);
  });

  it('data pulled after the newest archive (its archive failed) is expected in tonight\'s archive too', () => {
    const r = repositoryGrowth({ ...history, unarchived: 5 * MiB }, mirrorGrowth(history));
    expect(r).toEqual({ bytes: 9 * MiB, basis: 'largest archive growth of the last 7 + 5.0 MiB pulled since the last archive' });
  });

  const repo = { path: '/r', maxSegmentSize: 500 * MiB, additionalFreeSpace: 0, indexBytes: 0 };
  it('room for borg: one segment rewrite (at most the repository), 4 × the index after tonight, the objects\' overhead, the fixed files, additional_free_space', () => {
    // 3 MiB in 1000 objects (index 2053 buckets), 2 segments waiting: tonight's 1 MiB is ~340 more objects, the table stays.
    const index = { entries: 1000, buckets: 2053, bucketBytes: 40 };
    const small = borgRoom({ ...repo, dataBytes: 3 * MiB, index, segmentCount: 4, compactable: [{ segment: 1, size: MiB, free: 10 }, { segment: 2, size: MiB, free: 10 }] }, MiB);
    const objects = Math.ceil(MiB / ((3 * MiB - 82 * 1000) / 1000));
    expect(small.bytes).toBe(3 * MiB + 4 * (18 + 2053 * 40) + 10 * (4 + 4 + 4) + objects * OBJECT_OVERHEAD + BORG_FIXED_OVERHEAD);
    expect(small.basis).toMatch(/^a segment rewrite 3\.0 MiB \(2 segment\(s\) wait for compaction; a whole segment, 520\.0 MiB, once 10 do\) \+ a commit reserve .* \(4 × the index after tonight's ~\d+ new objects, 80\.2 KiB, \+ hints\)/);
    const big = borgRoom({ ...repo, dataBytes: 10_000 * MiB, additionalFreeSpace: 2 * MiB }, 0);
    expect(big.bytes).toBe(500 * MiB + BORG_MAX_OBJECT + 4 * (18 + 1031 * 40) + 10 * 6 + BORG_FIXED_OVERHEAD + 2 * MiB);
    expect(big.basis).toContain('additional_free_space');
  });

  it('room for borg: the index grows by steps as borg\'s hash table does (many small objects: 4 × the larger table)', () => {
    // 3004 objects in 4099 buckets (as borg left them after 3000 files of 16 bytes); 3000 more pass 0.75 × 4099: 8209 buckets.
    const index = { entries: 3004, buckets: 4099, bucketBytes: 40 };
    const r = borgRoom({ ...repo, dataBytes: 464_687, index, segmentCount: 6, compactable: [] }, 177_620);
    expect(r.basis).toContain(`320.7 KiB, + hints`);
    expect(r.bytes).toBeGreaterThan(4 * (18 + 8209 * 40));
  });

  it('room for borg: a whole free segment once 10 segments wait for compaction, however small the repository (borg demands it)', () => {
    const waiting = Array.from({ length: 8 }, (_, i) => ({ segment: i, size: 4096, free: 41 }));
    const r = borgRoom({ ...repo, dataBytes: 200 * 1024, index: { entries: 20, buckets: 1031, bucketBytes: 40 }, segmentCount: 12, compactable: waiting }, 8 * 1024);
    expect(r.bytes).toBeGreaterThan(500 * MiB + BORG_MAX_OBJECT);
    expect(r.basis).toMatch(/^a whole free segment 520\.0 MiB \(max_segment_size 500\.0 MiB \+ borg's largest object: borg demands it at every commit once 10 segments wait for compaction; 8 wait and tonight's archive adds about 2; a smaller max_segment_size lowers it: borg config \/r max_segment_size SIZE\)/);
    // One fewer waiting: the segment rewrite, at most the data.
    expect(borgRoom({ ...repo, dataBytes: 200 * 1024, index: { entries: 20, buckets: 1031, bucketBytes: 40 }, segmentCount: 12, compactable: waiting.slice(1) }, 8 * 1024).bytes).toBeLessThan(MiB);
  });
});

describe('judgeDiskSpace', () => {
  it('passes a filesystem whose usage after the growth stays within the limit (the limit itself included)', () => {
    const [v] = judgeDiskSpace(new Map([[1, fs(1, 100 * MiB, 50 * MiB)]]), [need(['a'], 1, 45 * MiB)], 0.95);
    expect(v).toMatchObject({ ok: true, growth: 45 * MiB, usageAfter: 0.95 });
    expect(v!.message).toBeUndefined();
  });

  it('counts a filesystem shared by a mirror and repositories once, with everything on it, and refuses every host on it', () => {
    const shared = fs(1, 100 * MiB, 80 * MiB);
    const other = fs(2, 100 * MiB, 10 * MiB);
    const needs = [need(['a'], 1, 6 * MiB), need(['b'], 1, 6 * MiB, 'archive of b'), need(['a', 'b'], 1, 1 * MiB, 'room for borg in /r'), need(['c'], 2, 5 * MiB)];
    const verdicts = judgeDiskSpace(new Map([[1, shared], [2, other]]), needs, 0.9);
    expect(verdicts).toHaveLength(2);
    const [one, two] = verdicts;
    expect(one).toMatchObject({ ok: false, growth: 13 * MiB });
    expect(two!.ok).toBe(true);
    const msg = one!.message!;
    expect(msg).toContain('filesystem /mnt/fs1 (tmpfs): size 100.0 MiB, used 80.0 MiB (80%), free 20.0 MiB');
    expect(msg).toContain('expected growth tonight 13.0 MiB = mirror of a 6.0 MiB (test) + archive of b 6.0 MiB (test) + room for borg in /r 1.0 MiB (test)');
    expect(msg).toContain('that would bring it to 93%, past max_disk_usage 90%');
    expect(msg).toContain('Nothing was pulled, archived, pruned or deleted');
    const refused = refusedHosts(verdicts);
    expect([...refused.keys()].sort()).toEqual(['a', 'b']);
    expect(refused.get('a')).toBe(msg);
  });

  it('refuses a filesystem already past the limit even with no growth expected', () => {
    const [v] = judgeDiskSpace(new Map([[1, fs(1, 100, 96)]]), [need(['a'], 1, 0)], 0.95);
    expect(v!.ok).toBe(false);
    expect(v!.message).toMatch(/bring it to 96%, past max_disk_usage 95%/);
  });

  it('at 100% refuses only growth beyond the free space; root-reserved blocks are not free', () => {
    const reserved = fs(1, 100 * MiB, 50 * MiB, 40 * MiB); // 10 MiB reserved for root
    expect(judgeDiskSpace(new Map([[1, reserved]]), [need(['a'], 1, 40 * MiB)], 1)[0]!.ok).toBe(true);
    const [v] = judgeDiskSpace(new Map([[1, reserved]]), [need(['a'], 1, 41 * MiB)], 1);
    expect(v!.ok).toBe(false);
    expect(v!.message).toMatch(/bring it to more than full, past max_disk_usage 100%/);
  });

  it('a filesystem nothing of the run is on is not judged', () => {
    expect(judgeDiskSpace(new Map([[1, fs(1, 100, 99)]]), [], 0.95)).toEqual([]);
  });
});
