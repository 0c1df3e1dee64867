// Finding the dumps in a pulled dump directory that the server's own cron fills (sources without
// `dump:`): every visible regular file except metadata files, its metadata if present, and its
// format sniffed from its first bytes when there is no metadata.
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DumpRecord } from '../database.js';
import { readHead } from '../../engines/file-peek.js';
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
  /** Engine and format, from the metadata or sniffed; undefined when unknown. */
  kind?: { engine: string; format: DumpRecord['format']; database?: string };
}

/** Every dump file under `dir` (hidden files and directories, e.g. `.x.partial`, skipped), newest first. */
export function scanDumpDir(dir: string): FoundDump[] {
  const out: FoundDump[] = [];
  walk(dir, '', out);
  return out.sort((a, b) => b.time.getTime() - a.time.getTime() || a.rel.localeCompare(b.rel));
}

function walk(dir: string, prefix: string, out: FoundDump[]): void {
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const abs = join(dir, name);
    const rel = prefix ? `${prefix}/${name}` : name;
    const st = lstatSync(abs);
    if (st.isDirectory()) walk(abs, rel, out);
    if (!st.isFile() || name.endsWith(META_SUFFIX)) continue;
    const found: FoundDump = { rel, abs, size: st.size, time: st.mtime };
    const metaFile = metaName(abs);
    if (existsSync(metaFile)) {
      try {
        found.meta = parseMeta(readFileSync(metaFile, 'utf8'));
        if (found.meta.endedAt) found.time = new Date(found.meta.endedAt);
        found.kind = { engine: found.meta.engine, format: found.meta.format, database: found.meta.database };
      } catch (e) {
        found.metaProblem = `its metadata file ${metaName(name)} is unusable: ${(e as Error).message}`;
      }
    }
    found.kind ??= sniffDump(abs);
    out.push(found);
  }
}

/** The engine and format of a dump file judged by its first bytes, or undefined. */
export function sniffDump(file: string): FoundDump['kind'] {
  const head = readHead(file, 4096);
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
