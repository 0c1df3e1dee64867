// Names of dump files on the main server: `<database>-<UTC stamp><ext>` so they sort by time, a
// hidden `.<name>.partial` while being written, `<name>.meta.json` beside, and which to rotate.
import { basename } from 'node:path';
import { utcStamp } from '../../util/stamp.js';

export const META_SUFFIX = '.meta.json';
export const PARTIAL_SUFFIX = '.partial';
/** File name stem of the postgres globals dump (`@` never appears in an encoded database name). */
export const GLOBALS_STEM = '@globals';

const STAMP_RE = '\\d{8}T\\d{6}Z';


/**
 * A database name as a file name stem: letters, digits, `_`, `-` and inner `.` kept, every other
 * byte as `%XX`, so different names never give the same stem and no stem is hidden or a path.
 */
export function encodeStem(name: string): string {
  let out = '';
  for (const byte of Buffer.from(name, 'utf8')) {
    const c = String.fromCharCode(byte);
    const keep = /[A-Za-z0-9_-]/.test(c) || (c === '.' && out !== '');
    out += keep ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out === '' ? '%' : out;
}

/** The stem for a database: its encoded name, or for sqlite the file's base name without extension. */
export function databaseStem(engine: string, database: string): string {
  if (engine !== 'sqlite') return encodeStem(database);
  return encodeStem(basename(database).replace(/\.(sqlite3?|db3?)$/i, '') || basename(database));
}

/** `<stem>-<stamp><extension>`. */
export function dumpFileName(stem: string, at: Date, extension: string): string {
  return `${stem}-${utcStamp(at)}${extension}`;
}

/** The temporary name a dump is written under: `.<file>.partial`. */
export function partialName(file: string): string {
  return `.${file}${PARTIAL_SUFFIX}`;
}

/** `<file>.meta.json`: the metadata file beside a dump. */
export function metaName(file: string): string {
  return `${file}${META_SUFFIX}`;
}

/**
 * Files to delete so that only the `keep` newest dumps of `stem` remain, with their metadata
 * files; `files` is a directory listing (names only). Other files are never touched.
 */
export function rotationVictims(files: readonly string[], stem: string, extension: string, keep: number): string[] {
  const re = new RegExp(`^${escapeRe(stem)}-${STAMP_RE}${escapeRe(extension)}$`);
  const dumps = files.filter((f) => re.test(f)).sort().reverse();
  const present = new Set(files);
  return dumps.slice(Math.max(1, keep)).flatMap((f) => (present.has(metaName(f)) ? [f, metaName(f)] : [f]));
}

/**
 * Temporary files of `stem` left by an earlier run that died mid-dump (runs never overlap: the
 * run lock), to delete with the rotation.
 */
export function leftoverPartials(files: readonly string[], stem: string, extension: string): string[] {
  const re = new RegExp(`^\\.${escapeRe(stem)}-${STAMP_RE}${escapeRe(extension)}(${escapeRe(META_SUFFIX)})?${escapeRe(PARTIAL_SUFFIX)}$`);
  return files.filter((f) => re.test(f));
}

/** Stems that more than one database maps to (two sqlite files with the same base name). */
export function duplicateStems(stems: readonly string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const s of stems) (seen.has(s) ? dup : seen).add(s);
  return [...dup];
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
