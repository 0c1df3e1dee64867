// The free-space preflight's arithmetic: growth estimates from history (and without it), room for
// borg, one verdict per filesystem however many mirrors and repositories share it.
import { describe, expect, it } from 'vitest';
import { BORG_MAX_OBJECT, compactRoom, judgeDiskSpace, mirrorGrowth, refusedHosts, repositoryGrowth, type HostHistory, type SpaceNeed } from '../../../src/nightly/disk-space.js';
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

  it('room for borg: one segment rewrite (at most the repository), 4 × the index, additional_free_space', () => {
    const small = compactRoom({ path: '/r', dataBytes: 3 * MiB, maxSegmentSize: 500 * MiB, additionalFreeSpace: 0, indexBytes: 1000 });
    expect(small.bytes).toBe(3 * MiB + 4000);
    const big = compactRoom({ path: '/r', dataBytes: 10_000 * MiB, maxSegmentSize: 500 * MiB, additionalFreeSpace: 2 * MiB, indexBytes: 0 });
    expect(big.bytes).toBe(500 * MiB + BORG_MAX_OBJECT + 2 * MiB);
    expect(big.basis).toContain('additional_free_space');
    expect(compactRoom({ path: '/r', dataBytes: 0, maxSegmentSize: 500 * MiB, additionalFreeSpace: 0, indexBytes: 0 }).bytes).toBe(0);
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
