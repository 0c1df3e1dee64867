// The filesystem of a path, measured with statfs: found for paths not created yet, one identity
// per filesystem, and described the way the disk-space messages show it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeFilesystem, filesystemOf, percent } from '../../../src/util/filesystem.js';

const dir = mkdtempSync(join(tmpdir(), 'pb-fs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('filesystemOf', () => {
  it('measures a path not created yet on its nearest existing parent, with the same identity', () => {
    const here = filesystemOf(dir);
    const later = filesystemOf(join(dir, 'mirror', 'web', 'data'));
    // free and used move between the two statfs calls while other tests write to the same disk:
    // the identity is the device, mount point, type and size.
    const identity = ({ dev, mount, type, size }: typeof here) => ({ dev, mount, type, size });
    expect(identity(later)).toEqual(identity(here));
    expect(here.size).toBeGreaterThan(0);
    expect(here.used + here.free).toBeLessThanOrEqual(here.size);
    expect(filesystemOf(here.mount).dev).toBe(here.dev);
  });

  it('finds the mount point: the root filesystem is mounted at /', () => {
    expect(filesystemOf('/').mount).toBe('/');
  });
});

describe('describeFilesystem', () => {
  it('names the mount point, type, size, used (with its share, as df counts it) and free', () => {
    const MiB = 1024 * 1024;
    expect(describeFilesystem({ dev: 1, mount: '/srv', type: 'ext4', size: 100 * MiB, used: 90 * MiB, free: 5 * MiB })).toBe(
      'filesystem /srv (ext4): size 100.0 MiB, used 90.0 MiB (94.7%), free 5.0 MiB',
    );
    expect(percent(0.95)).toBe('95%');
  });
});
