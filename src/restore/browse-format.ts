// How `pullback ls` and `pullback diff` print what they found. Pure.
import type { IndexedVersion } from '../catalog/file-index.js';
import type { DiffEntry } from '../tools/borg/diff.js';
import { printable } from '../util/printable.js';
import { utcText } from '../util/stamp.js';
import { humanBytes } from '../util/table.js';

/** A name for a terminal: control characters (a newline) escaped, in quotes only when it needs them. */
export function shownName(name: string): string {
  const p = printable(name);
  return p === name && !/\s/.test(name) ? name : `'${p}'`;
}

/** `ls -l`-like lines: mode, owner and group (numeric: the server's names are not on the backup host), size, modification time (UTC, with its Z), name. */
export function formatListing(entries: readonly IndexedVersion[], dir: string): string {
  const rows = entries.map((e) => [e.mode, String(e.uid), String(e.gid), String(e.size), utcText(e.mtime), shownName(dir === '' ? e.path : e.path.slice(dir.length + 1)) + (e.type === 'd' ? '/' : '')]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(0, ...rows.map((r) => r[i]!.length)));
  return rows.map((r) => [r[0]!.padEnd(widths[0]!), r[1]!.padStart(widths[1]!), r[2]!.padStart(widths[2]!), r[3]!.padStart(widths[3]!), r[4], r[5]].join(' ')).join('\n');
}

/** The diff as three groups (added, deleted, modified), each path with what changed. */
export function formatDiff(entries: readonly DiffEntry[], a: string, b: string): string {
  if (entries.length === 0) return `No difference between ${a} and ${b}.`;
  const lines = [`From ${a} to ${b}:`];
  for (const kind of ['added', 'deleted', 'modified'] as const) {
    const of = entries.filter((e) => e.kind === kind);
    if (of.length === 0) continue;
    lines.push(`  ${kind} (${of.length}):`);
    for (const e of of) lines.push(`    ${shownName(e.path)}${e.detail ? `  (${e.detail})` : ''}`);
  }
  return lines.join('\n');
}

/** A size change for people: `+1.2 KiB -300 B`. */
export function sizeChange(added: number, removed: number): string {
  return `+${humanBytes(added)} -${humanBytes(removed)}`;
}
