// The filesystem a local path lives on, measured with statfs (never by parsing df): its identity
// (the device, so two paths on one filesystem are counted once), mount point, type and space.
import { statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { humanBytes } from './table.js';

export interface FilesystemFacts {
  /** The device id (st_dev): equal for every path on the same filesystem. */
  dev: number;
  /** The mount point (the highest ancestor on the same device). */
  mount: string;
  /** The filesystem type by name (tmpfs, ext4, ...), or its magic number in hex. */
  type: string;
  /** Bytes in all (the filesystem's blocks). */
  size: number;
  /** Bytes in use. */
  used: number;
  /** Bytes an unprivileged writer may still use (root's reserve excluded, as df shows them). */
  free: number;
}

const TYPES: Record<number, string> = {
  0x01021994: 'tmpfs',
  0xef53: 'ext4',
  0x58465342: 'xfs',
  0x9123683e: 'btrfs',
  0x2fc12fc1: 'zfs',
  0x794c7630: 'overlay',
  0x6969: 'nfs',
  0xff534d42: 'cifs',
  0x65735546: 'fuse',
};

/** The nearest existing path at or above `path` (a mirror or repository not created yet lives where its parent does). */
function existingAncestor(path: string): string {
  let p = path;
  for (;;) {
    try {
      statSync(p);
      return p;
    } catch (e) {
      const parent = dirname(p);
      if (parent === p) throw e;
      p = parent;
    }
  }
}

/** The filesystem `path` (or its nearest existing parent) is on; throws when nothing of it can be stat'ed. */
export function filesystemOf(path: string): FilesystemFacts {
  const at = existingAncestor(path);
  const dev = statSync(at).dev;
  let mount = at;
  for (let up = dirname(mount); up !== mount && statSync(up).dev === dev; up = dirname(up)) mount = up;
  const s = statfsSync(at);
  const size = s.blocks * s.bsize;
  const used = (s.blocks - s.bfree) * s.bsize;
  return { dev, mount, type: TYPES[s.type] ?? `0x${s.type.toString(16)}`, size, used, free: s.bavail * s.bsize };
}

/** The share of the space usable by writers that is in use, as df computes Use% (used / (used + free)). */
function usageOf(used: number, free: number): number {
  return used + free === 0 ? 1 : used / (used + free);
}

/** "filesystem /srv (ext4): size 10.0 GiB, used 9.5 GiB (95%), free 512.0 MiB", for messages. */
export function describeFilesystem(f: FilesystemFacts): string {
  return `filesystem ${f.mount} (${f.type}): size ${humanBytes(f.size)}, used ${humanBytes(f.used)} (${percent(usageOf(f.used, f.free))}), free ${humanBytes(f.free)}`;
}

/** 0.953 -> "95.3%" (one decimal, none when whole). */
export function percent(share: number): string {
  const p = Math.round(share * 1000) / 10;
  return `${p}%`;
}

/** `describeFilesystem` of the filesystem of `path`, or a note that it could not be measured (never throws). */
export function describeFilesystemOf(path: string): string {
  try {
    return describeFilesystem(filesystemOf(path));
  } catch (e) {
    return `filesystem of ${path} (could not be measured: ${(e as Error).message})`;
  }
}
