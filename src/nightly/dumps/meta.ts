// The `<dump>.meta.json` file written beside each dump on the main server and read back from the
// pulled copy: the DumpRecord plus a format marker.
import type { DumpRecord } from '../../archive/manifest.js';

export const META_KIND = 'pullback-dump-meta';
export const META_VERSION = 1;

const FORMATS = new Set(['custom', 'sql', 'sqlite', 'globals']);

/** The metadata file's text for a record. */
export function encodeMeta(record: DumpRecord): string {
  return `${JSON.stringify({ kind: META_KIND, version: META_VERSION, ...record }, null, 2)}\n`;
}

/** The record in a metadata file's text; throws Error saying what is wrong with it. */
export function parseMeta(text: string): DumpRecord {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`not JSON (${(e as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('not a JSON object');
  const o = raw as Record<string, unknown>;
  if (o.kind !== META_KIND) throw new Error(`"kind" is not "${META_KIND}"`);
  const str = (k: string, optional = false): string | undefined => {
    const v = o[k];
    if (v === undefined && optional) return undefined;
    if (typeof v !== 'string' || v === '') throw new Error(`"${k}" is missing or not a string`);
    return v;
  };
  const file = str('file')!;
  const engine = str('engine')!;
  const database = str('database')!;
  const format = str('format')!;
  if (!FORMATS.has(format)) throw new Error(`"format" ${JSON.stringify(format)} is unknown`);
  const sha256 = str('sha256')!;
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('"sha256" is not 64 hex digits');
  if (typeof o.size !== 'number' || !Number.isSafeInteger(o.size) || o.size < 0) throw new Error('"size" is not a byte count');
  const record: DumpRecord = { file, engine, database, format: format as DumpRecord['format'], size: o.size, sha256 };
  const serverVersion = str('serverVersion', true);
  const startedAt = str('startedAt', true);
  const endedAt = str('endedAt', true);
  if (serverVersion) record.serverVersion = serverVersion;
  if (startedAt) record.startedAt = startedAt;
  if (endedAt) {
    if (Number.isNaN(Date.parse(endedAt))) throw new Error('"endedAt" is not a time');
    record.endedAt = endedAt;
  }
  if (o.rowCounts !== undefined) {
    const rc = o.rowCounts;
    if (typeof rc !== 'object' || rc === null || Array.isArray(rc)) throw new Error('"rowCounts" is not an object');
    for (const v of Object.values(rc)) if (typeof v !== 'number') throw new Error('"rowCounts" holds a value that is not a number');
    record.rowCounts = { ...(rc as Record<string, number>) };
  }
  if (o.properties !== undefined) {
    const p = o.properties;
    if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new Error('"properties" is not an object');
    for (const v of Object.values(p)) if (typeof v !== 'string') throw new Error('"properties" holds a value that is not a string');
    record.properties = { ...(p as Record<string, string>) };
  }
  return record;
}
