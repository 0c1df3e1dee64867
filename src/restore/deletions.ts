// What a folder restore deletes on the target: every path the target has (excluded ones not
// listed: the push leaves them alone) that the archive does not hold. Pure: the listings are
// gathered with the readiness facts; this compares them and words the result.
import { printable } from '../util/printable.js';

/** How many names a dry run shows per folder before "and N more". */
export const DELETION_NAMES_SHOWN = 20;

export interface DeletionFact {
  source: string;
  /** `target:path`, for people. */
  where: string;
  /** Paths that will be deleted (directories end with '/'), in listing order; undefined when unknown. */
  paths?: string[];
  /** Why the deletions could not be worked out. */
  error?: string;
}

/**
 * A path as borg 1.2 lists it: UTF-8, each byte that is not part of a valid UTF-8 sequence shown as
 * '?' (borg decodes with surrogateescape and prints surrogates as '?'). Target names are brought to
 * this form to be compared with the archive's.
 */
export function borgListedPath(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const n = utf8SequenceLength(bytes, i);
    if (n === 0) {
      out += '?';
      i += 1;
    } else {
      out += Buffer.from(bytes.subarray(i, i + n)).toString('utf8');
      i += n;
    }
  }
  return out;
}

/** Length of the valid UTF-8 sequence at `i` (1-4), or 0 when the bytes there are not one. */
function utf8SequenceLength(b: Uint8Array, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0; // no UTF-16 surrogates
  if (c >= 0xe1 && c <= 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

/**
 * The target paths (relative to the folder, '.' is the folder itself) that are not in `archived`
 * (paths relative to the source folder, as borg lists them): what rsync --delete removes.
 */
export function plannedDeletions(archived: ReadonlySet<string>, target: ReadonlyArray<{ path: string; dir: boolean }>): string[] {
  const out: string[] = [];
  for (const t of target) {
    if (t.path === '.' || archived.has(t.path)) continue;
    out.push(t.dir ? `${t.path}/` : t.path);
  }
  return out;
}

/** The deletions per folder: a count each, and with `names` the first paths and "and N more". */
export function formatDeletions(facts: readonly DeletionFact[], opts: { names: boolean }): string {
  if (facts.length === 0) return '';
  const lines = ['Deletions on the target (files not in the archive; excluded files are left alone):'];
  for (const f of facts) {
    if (f.paths === undefined) {
      lines.push(`  ${f.source}: UNKNOWN for ${f.where}: ${f.error ?? 'not listed'}`);
      continue;
    }
    lines.push(`  ${f.source}: ${f.paths.length === 0 ? 'nothing' : `${f.paths.length} path(s)`} deleted in ${f.where}`);
    if (!opts.names) continue;
    for (const p of f.paths.slice(0, DELETION_NAMES_SHOWN)) lines.push(`       - "${printable(p)}"`);
    if (f.paths.length > DELETION_NAMES_SHOWN) lines.push(`       and ${f.paths.length - DELETION_NAMES_SHOWN} more`);
  }
  return lines.join('\n');
}
