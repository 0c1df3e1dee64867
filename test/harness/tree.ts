// Source trees with hostile names and a precise snapshot/diff of directory trees.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { execa } from 'execa';

/** Names that break naive quoting; each is created as a regular file by writeNastyTree. */
export const NASTY_NAMES = [
  'with space.txt',
  "single'quote.txt",
  'double"quote.txt',
  'café é.txt',
  '日本語.txt',
  '-rf',
  '--delete',
  'new\nline.txt',
  'back\\slash.txt',
  '$HOME and $(echo x).txt',
  '*glob?[x].txt',
  ' leading-space.txt',
];

/** Fills `root` with files that exercise names, links, modes, empty dirs and a few MB of random data. */
export function writeNastyTree(root: string, opts: { bigFileBytes?: number } = {}): void {
  mkdirSync(root, { recursive: true });
  for (const name of NASTY_NAMES) writeFileSync(join(root, name), `content of ${JSON.stringify(name)}\n`);
  mkdirSync(join(root, 'nested', 'deeper', 'deepest'), { recursive: true });
  writeFileSync(join(root, 'nested', 'deeper', 'deepest', 'leaf.txt'), 'leaf\n');
  mkdirSync(join(root, 'nested', 'dir with space', "it's"), { recursive: true });
  writeFileSync(join(root, 'nested', 'dir with space', "it's", 'ok.txt'), 'ok\n');
  mkdirSync(join(root, 'empty-dir'));
  mkdirSync(join(root, 'empty parent', 'empty child'), { recursive: true });
  symlinkSync('nested/deeper/deepest/leaf.txt', join(root, 'link-relative'));
  symlinkSync('does/not/exist', join(root, 'link-dangling'));
  symlinkSync('nested', join(root, 'link-to-dir'));
  writeFileSync(join(root, 'hardlink-a'), 'shared inode\n');
  linkSync(join(root, 'hardlink-a'), join(root, 'nested', 'hardlink b'));
  writeFileSync(join(root, 'private-0600'), 'secret-ish\n');
  chmodSync(join(root, 'private-0600'), 0o600);
  writeFileSync(join(root, 'script-0755.sh'), '#!/bin/sh\necho hi\n');
  chmodSync(join(root, 'script-0755.sh'), 0o755);
  writeFileSync(join(root, 'empty-file'), '');
  writeFileSync(join(root, 'big.bin'), randomBytes(opts.bigFileBytes ?? 3 * 1024 * 1024));
}

export interface TreeEntry {
  type: 'file' | 'dir' | 'symlink' | 'other';
  mode: number;
  size?: number;
  sha256?: string;
  linkTarget?: string;
  /** Sorted paths sharing this file's inode, for files with nlink > 1. */
  hardlinkGroup?: string[];
}

export type TreeSnapshot = Record<string, TreeEntry>;

/** Walks `dir` (without following symlinks) into a record path -> entry, keys sorted; the root itself is not included. */
export function snapshotTree(dir: string): TreeSnapshot {
  const entries: [string, TreeEntry][] = [];
  const inodes = new Map<string, string[]>();
  const walk = (abs: string) => {
    for (const name of readdirSync(abs)) {
      const p = join(abs, name);
      const rel = relative(dir, p);
      const st = lstatSync(p);
      const mode = st.mode & 0o7777;
      if (st.isSymbolicLink()) {
        entries.push([rel, { type: 'symlink', mode: 0, linkTarget: readlinkSync(p) }]);
      } else if (st.isDirectory()) {
        entries.push([rel, { type: 'dir', mode }]);
        walk(p);
      } else if (st.isFile()) {
        const sha256 = createHash('sha256').update(readFileSync(p)).digest('hex');
        const entry: TreeEntry = { type: 'file', mode, size: st.size, sha256 };
        if (st.nlink > 1) {
          const key = `${st.dev}:${st.ino}`;
          const group = inodes.get(key) ?? [];
          group.push(rel);
          inodes.set(key, group);
          entry.hardlinkGroup = group;
        }
        entries.push([rel, entry]);
      } else {
        entries.push([rel, { type: 'other', mode }]);
      }
    }
  };
  walk(dir);
  for (const group of inodes.values()) group.sort();
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries);
}

/** Readable differences between two trees (dirs or snapshots); empty when identical. */
export function diffTrees(a: string | TreeSnapshot, b: string | TreeSnapshot): string[] {
  const sa = typeof a === 'string' ? snapshotTree(a) : a;
  const sb = typeof b === 'string' ? snapshotTree(b) : b;
  const out: string[] = [];
  const keys = [...new Set([...Object.keys(sa), ...Object.keys(sb)])].sort();
  for (const k of keys) {
    const x = sa[k];
    const y = sb[k];
    const name = JSON.stringify(k);
    if (!x) out.push(`only in second: ${name} (${y!.type})`);
    else if (!y) out.push(`only in first: ${name} (${x.type})`);
    else {
      for (const field of ['type', 'mode', 'size', 'sha256', 'linkTarget'] as const) {
        if (x[field] !== y[field]) out.push(`${name}: ${field} ${fmt(field, x[field])} != ${fmt(field, y[field])}`);
      }
      const gx = (x.hardlinkGroup ?? []).join(' | ');
      const gy = (y.hardlinkGroup ?? []).join(' | ');
      if (gx !== gy) out.push(`${name}: hard links [${gx}] != [${gy}]`);
    }
  }
  return out;
}

function fmt(field: string, v: unknown): string {
  return field === 'mode' && typeof v === 'number' ? `0${v.toString(8)}` : JSON.stringify(v);
}

/** Runs `diff -r --no-dereference a b` as a second opinion; returns its output (empty when identical). */
export async function compareWithDiffR(a: string, b: string): Promise<string> {
  const r = await execa('diff', ['-r', '--no-dereference', a, b], { reject: false, stripFinalNewline: false });
  if (r.exitCode !== 0 && r.exitCode !== 1) throw new Error(`diff failed (${r.exitCode}): ${r.stderr}`);
  return `${r.stdout}${r.stderr}`;
}
