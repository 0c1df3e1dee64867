// Finding the dumps in a pulled dump directory that the server's own cron fills (sources without
// `dump:`): every visible regular file except metadata files, its metadata if present, its
// format sniffed from its first bytes when there is no metadata, and its compression. Only files
// recognised as dumps (metadata, a known format, a compressed file, or the source's `pattern`)
// are candidates; the others are listed with the reason, never counted.
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DumpRecord } from '../../archive/manifest.js';
import { readHead } from '../../engines/file-peek.js';
import { compressionOf, type Compression } from '../../tools/compress/decompress.js';
import { globMatch } from '../../util/glob.js';
import { printable } from '../../util/printable.js';
import { parseMeta } from './meta.js';
import { META_SUFFIX, metaName } from './naming.js';

export interface FoundDump {
  /** Path relative to the source directory (`/`-separated). */
  rel: string;
  abs: string;
  size: number;
  /** End time from the metadata, else the file's mtime. */
  time: Date;
  /** The metadata written beside the dump, if any. */
  meta?: DumpRecord;
  /** Why the metadata file could not be used. */
  metaProblem?: string;
  /** Engine and format, from the metadata or sniffed; undefined when unknown (a compressed file: until its head is read). */
  kind?: { engine: string; format: DumpRecord['format']; database?: string };
  /** Its compression, from its magic bytes. */
  compression?: Compression;
  /** It matched the source's `pattern`. */
  matched?: boolean;
}

/** How far a main server's clock may run ahead of the backup host's before its metadata's end time is not believed (dumps.max_clock_skew's default). */
const CLOCK_SKEW_MS = 5 * 60_000;

/** A file of the dump directory that is not counted as a dump, and why. */
export interface UnrecognisedFile {
  rel: string;
  reason: string;
}

export interface DumpDirScan {
  /** Files that are (or, compressed, may be) dumps, newest first. */
  candidates: FoundDump[];
  unrecognised: UnrecognisedFile[];
}

/**
 * The files under `dir` (hidden files and directories, e.g. `.x.partial`, skipped): with `pattern`,
 * those matching it are candidates; without, those with metadata, a recognised format or a
 * compression. Candidates come newest first.
 */
export function scanDumpDir(dir: string, pattern?: string, skewMs = CLOCK_SKEW_MS): DumpDirScan {
  const all: FoundDump[] = [];
  walk(dir, '', all, skewMs);
  const out: DumpDirScan = { candidates: [], unrecognised: [] };
  for (const f of all) {
    if (pattern !== undefined) {
      if (globMatch(pattern, f.rel)) out.candidates.push({ ...f, matched: true });
      else out.unrecognised.push({ rel: f.rel, reason: `does not match the source's pattern ${JSON.stringify(pattern)}` });
    } else if (f.meta || f.metaProblem || f.kind || f.compression) out.candidates.push(f);
    else out.unrecognised.push({ rel: f.rel, reason: 'not a dump: its format is not recognised (pg_dump, pg_dumpall, mariadb-dump/mysqldump, SQLite, or one of these compressed)' });
  }
  out.candidates.sort((a, b) => b.time.getTime() - a.time.getTime() || a.rel.localeCompare(b.rel));
  return out;
}

function walk(dir: string, prefix: string, out: FoundDump[], skewMs: number): void {
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const abs = join(dir, name);
    const rel = prefix ? `${prefix}/${name}` : name;
    const st = lstatSync(abs);
    if (st.isDirectory()) walk(abs, rel, out, skewMs);
    if (!st.isFile() || name.endsWith(META_SUFFIX)) continue;
    const found: FoundDump = { rel, abs, size: st.size, time: st.mtime };
    const metaFile = metaName(abs);
    if (existsSync(metaFile)) {
      try {
        const meta = parseMeta(readFileSync(metaFile, 'utf8'));
        // The metadata is the server's word: a dump that "ends" in the future would look fresh
        // forever, so such metadata is not used at all (the file's own time is judged instead).
        if (meta.endedAt && Date.parse(meta.endedAt) > Date.now() + skewMs) throw new Error(`"endedAt" ${meta.endedAt} is in the future`);
        found.meta = meta;
        if (found.meta.endedAt) found.time = new Date(found.meta.endedAt);
        found.kind = { engine: found.meta.engine, format: found.meta.format, database: found.meta.database };
      } catch (e) {
        found.metaProblem = `its metadata file ${printable(metaName(name))} is unusable: ${printable((e as Error).message)}`;
      }
    }
    if (!found.kind) {
      const head = readHead(abs, 4096);
      found.compression = compressionOf(head);
      if (!found.compression) found.kind = sniffHead(head);
    }
    out.push(found);
  }
}

/** The engine and format of a dump file judged by its first bytes, or undefined. */
export function sniffDump(file: string): FoundDump['kind'] {
  return sniffHead(readHead(file, 4096));
}

/** The engine and format of a dump judged by its first bytes (of the file, or decompressed), or undefined. */
export function sniffHead(head: Buffer): FoundDump['kind'] {
  if (head.subarray(0, 5).toString('latin1') === 'PGDMP') return { engine: 'postgres', format: 'custom' };
  if (head.subarray(0, 16).toString('latin1') === 'SQLite format 3\0') return { engine: 'sqlite', format: 'sqlite' };
  const text = head.toString('utf8');
  if (/^-- PostgreSQL database cluster dump$/m.test(text)) return { engine: 'postgres', format: 'globals' };
  if (/^-- PostgreSQL database dump$/m.test(text)) return { engine: 'postgres', format: 'sql' };
  if (/^-- (MariaDB|MySQL) dump /m.test(text)) {
    const db = /^-- Host: .*\sDatabase: (\S+)\s*$/m.exec(text)?.[1];
    return { engine: /^-- MySQL dump /m.test(text) ? 'mysql' : 'mariadb', format: 'sql', ...(db ? { database: db } : {}) };
  }
  return undefined;
}
