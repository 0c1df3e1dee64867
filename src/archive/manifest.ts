// The archive manifest: .pullback/manifest.json inside every archive, describing the pull and the
// dumps that produced it. Written by the nightly and by a pre-restore snapshot; read by a restore,
// a drill and the nightly's last-good state, always through parseManifest (shape and format checked).
import type { DatabaseProperties } from '../engines/engine.js';
import { JobError } from '../errors.js';
import type { RsyncStats } from '../tools/rsync/stats.js';
import type { Compression } from '../tools/compress/decompress.js';

export const MANIFEST_DIR = '.pullback';
export const MANIFEST_FILE = 'manifest.json';

/**
 * The newest manifest format this pullback reads. A change readers of an older format cannot read
 * bumps it. Format 2 is format 1 plus a granular restore's snapshot (`preRestore.selection`): only
 * such a snapshot is written as format 2, so that an older pullback refuses to roll it back (it would
 * push the saved paths as the whole folder, deleting the rest); every other manifest stays format 1.
 */
export const MANIFEST_FORMAT = 2;

/** The format a manifest is written with: 2 only when it holds a granular snapshot's selection. */
export function manifestFormat(sources: readonly SourceManifest[]): 1 | 2 {
  return sources.some((s) => s.preRestore?.selection) ? 2 : 1;
}

export interface SourceManifest {
  name: string;
  kind: string;
  path: string;
  status: string;
  /** The rsync exclude patterns the pull applied: what the archive deliberately does not hold (a restore never deletes it). */
  exclude?: string[];
  pull?: PullResult;
  dumps?: DumpRecord[];
  /** A source that failed tonight (status `kept`: archived with its last good state; `failed`: not in the archive). */
  failed?: { step: string; error: string; keptFrom?: string };
  /** In a pre-restore safety snapshot: the state of the target before the restore (absent from nightly manifests). */
  preRestore?: PreRestoreState;
}

/** What a safety snapshot records about the state before a restore. */
export interface PreRestoreState {
  /** Whether the target path existed (a folder that did not is emptied on rollback, not removed). */
  existed: boolean;
  /** Databases that did not exist before the restore: a rollback drops them. */
  absentDatabases?: Array<{ engine: string; database: string }>;
  /**
   * A granular restore's snapshot (`restore --path`): the selected paths it saved (`present`) and
   * those that did not exist, each as the outermost path the restore created (`absent`); a rollback
   * puts back exactly the first and removes the second, and touches nothing else of the source.
   */
  selection?: { present: string[]; absent: string[] };
}

export interface Manifest {
  format: 1 | 2;
  host: string;
  archive: string;
  createdAt: string;
  sources: SourceManifest[];
  /** Set on a partial archive: a source failed tonight (see each source's `failed`). */
  partial?: { comment: string };
  /** Set on a pre-restore safety snapshot: the restore it was taken before. */
  preRestoreOf?: { host: string; archive: string };
}

/** What one source's pull measured, as the manifest keeps it. */
export interface PullResult {
  source: string;
  window: { start: string; end: string };
  exitCode?: number;
  attempts: number;
  /** rsync's statistics of the last attempt (of the last pass). */
  stats?: RsyncStats;
  /** Bytes received over every attempt and pass: what crossed the network (the PULLED figure). */
  received?: number;
  warning?: string;
  /** The source's root as looked at (never followed) before the transfer: a real directory, or refused (a symlink now: nothing pulled). */
  root?: 'directory' | 'refused';
  /** Set when the host itself could not be reached (ssh failed or refused): its other sources will fail too. */
  unreachable?: boolean;
  /** The mass-deletion guard: what was measured against the last good pull, or that the operator accepted it. */
  shrink?: { maxShrink: number; baselineFiles?: number; baselineBytes?: number; pendingDeletions?: number; accepted?: boolean; olderArchive?: string };
}

export const DUMP_FORMATS = ['custom', 'sql', 'sqlite', 'globals'] as const;
export type DumpFormat = (typeof DUMP_FORMATS)[number];

/** What pullback knows of one dump: written beside it on the server, verified after the pull, archived in the manifest. */
export interface DumpRecord {
  /** Path of the dump file relative to the source directory. */
  file: string;
  engine: string;
  /** Database name; for sqlite the database file's path on the main server; `(globals)` for postgres roles. */
  database: string;
  format: DumpFormat;
  serverVersion?: string;
  startedAt?: string;
  endedAt?: string;
  /** For a dump the server's cron wrote (no metadata): its modification time as pulled. */
  modifiedAt?: string;
  /**
   * When pullback first saw this dump (this file with this SHA-256), by the backup host's clock: what
   * "newest" means for restores, never a time the server claims. Absent in archives made before it
   * was recorded (their dumps are ordered by the times above).
   */
  firstSeenAt?: string;
  size: number;
  sha256: string;
  /**
   * Per-table row counts of the dump (for post-restore and drill comparisons): `schema.table` for
   * postgres, the table name otherwise. Read from the dump file itself when it is verified, so they
   * are exactly what the dump holds however busy the database was while it ran.
   */
  rowCounts?: Record<string, number>;
  /**
   * The database's own properties at dump time (mariadb/mysql character sets and collations, sqlite
   * file mode, owner and journal mode): what a restore gives a database that no longer exists, and
   * what its check compares. Absent in dumps taken before they were recorded and in postgres dumps.
   */
  properties?: DatabaseProperties;
  /** Checks the pulled file passed before it was archived: `sha256`, `pg_restore`, `trailer`, `copy_rows`, `integrity_check`, `gzip` (its compressor read it whole). */
  verified?: string[];
  /**
   * The file is this format compressed (a dump the server's cron wrote as `.sql.gz`, `.zst`, ...):
   * restores and drills decompress it before loading it. `size` and `sha256` are the compressed file's.
   */
  compression?: Compression;
  /**
   * mariadb/mysql dumps of a source with pitr: the binary log file and position of the dump's
   * snapshot (its `--master-data=2` comment, read when the dump is verified): where a point-in-time
   * restore starts replaying the received binary logs.
   */
  binlogPosition?: { file: string; position: number };
}

/**
 * The manifest in `input` (its JSON text, or the value parsed from it), its shape and format checked;
 * `where` names it in errors (e.g. `archive main-20240101T000000Z`). Fields added after format 1
 * (exclude, failed, partial, properties, verified, ...) may be absent. Throws JobError naming every
 * problem: not JSON, not a manifest, or a format this pullback does not know (a newer one: upgrade).
 */
export function parseManifest(input: unknown, where: string): Manifest {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (e) {
      throw new JobError(`${where}: ${MANIFEST_DIR}/${MANIFEST_FILE} is not JSON (${(e as Error).message})`);
    }
  }
  if (!isObject(value)) throw new JobError(`${where}: ${MANIFEST_DIR}/${MANIFEST_FILE} is not a pullback manifest (not a JSON object)`);
  const format = value.format;
  if (typeof format === 'number' && Number.isInteger(format) && format > MANIFEST_FORMAT) {
    throw new JobError(`${where}: its manifest was written by a newer pullback (manifest format ${format}; this pullback reads formats 1 and ${MANIFEST_FORMAT}): upgrade pullback to read it`);
  }
  if (format !== 1 && format !== 2) {
    throw new JobError(`${where}: ${MANIFEST_DIR}/${MANIFEST_FILE} is not a pullback manifest of a known format (format ${JSON.stringify(format) ?? 'missing'}; this pullback reads formats 1 and ${MANIFEST_FORMAT})`);
  }
  const problems = manifestProblems(value);
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_SHOWN).join('; ');
    const more = problems.length > MAX_SHOWN ? `; and ${problems.length - MAX_SHOWN} more` : '';
    throw new JobError(`${where}: ${MANIFEST_DIR}/${MANIFEST_FILE} is not a valid pullback manifest: ${shown}${more}`);
  }
  return value as unknown as Manifest;
}

const MAX_SHOWN = 5;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A check of one field's value: the problem it has, or undefined. */
type Check = (v: unknown) => string | undefined;

const str: Check = (v) => (typeof v === 'string' ? undefined : 'not a string');
const num: Check = (v) => (typeof v === 'number' && Number.isFinite(v) ? undefined : 'not a number');
const bool: Check = (v) => (typeof v === 'boolean' ? undefined : 'not true or false');
const obj: Check = (v) => (isObject(v) ? undefined : 'not an object');
const oneOf =
  (values: readonly string[]): Check =>
  (v) =>
    typeof v === 'string' && values.includes(v) ? undefined : `not one of ${values.join(', ')}`;
const arrayOf =
  (item: Check): Check =>
  (v) => {
    if (!Array.isArray(v)) return 'not a list';
    const i = v.findIndex((x) => item(x) !== undefined);
    return i < 0 ? undefined : `item ${i}: ${item(v[i])}`;
  };
const recordOf =
  (item: Check): Check =>
  (v) => {
    if (!isObject(v)) return 'not an object';
    const bad = Object.entries(v).find(([, x]) => item(x) !== undefined);
    return bad ? `${bad[0]}: ${item(bad[1])}` : undefined;
  };

/** Fields of an object: required ones, and optional ones (absent, or of their type). */
function fields(required: Record<string, Check>, optional: Record<string, Check> = {}): Check {
  return (v) => {
    if (!isObject(v)) return 'not an object';
    const out: string[] = [];
    for (const [k, check] of Object.entries(required)) {
      if (v[k] === undefined) out.push(`${k} missing`);
      else {
        const p = check(v[k]);
        if (p) out.push(`${k} ${p}`);
      }
    }
    for (const [k, check] of Object.entries(optional)) {
      const p = v[k] === undefined ? undefined : check(v[k]);
      if (p) out.push(`${k} ${p}`);
    }
    return out.length > 0 ? out.join(', ') : undefined;
  };
}

const COMPRESSIONS = ['gzip', 'zstd', 'xz', 'bzip2'] as const;

const dumpRecord = fields(
  { file: str, engine: str, database: str, format: oneOf(DUMP_FORMATS), size: num, sha256: str },
  { serverVersion: str, startedAt: str, endedAt: str, modifiedAt: str, firstSeenAt: str, rowCounts: recordOf(num), properties: recordOf(str), verified: arrayOf(str), compression: oneOf(COMPRESSIONS), binlogPosition: fields({ file: str, position: num }) },
);

const sourceFields = {
  required: { name: str, kind: str, path: str, status: str },
  optional: {
    exclude: arrayOf(str),
    pull: obj,
    failed: fields({ step: str, error: str }, { keptFrom: str }),
    preRestore: fields({ existed: bool }, { absentDatabases: arrayOf(fields({ engine: str, database: str })), selection: fields({ present: arrayOf(str), absent: arrayOf(str) }) }),
  },
};

/** Every problem of a format-1 manifest's shape, each naming where it is (`sources[2].dumps[0]: sha256 missing`). */
function manifestProblems(m: Json): string[] {
  const out: string[] = [];
  const top = fields({ host: str, archive: str, createdAt: str }, { partial: fields({ comment: str }), preRestoreOf: fields({ host: str, archive: str }) })(m);
  if (top) out.push(top);
  if (!Array.isArray(m.sources)) {
    out.push(m.sources === undefined ? 'sources missing' : 'sources not a list');
    return out;
  }
  m.sources.forEach((s: unknown, i) => {
    const p = fields(sourceFields.required, sourceFields.optional)(s);
    if (p) out.push(`sources[${i}]: ${p}`);
    if (!isObject(s) || s.dumps === undefined) return;
    if (!Array.isArray(s.dumps)) out.push(`sources[${i}]: dumps not a list`);
    else
      s.dumps.forEach((d: unknown, j) => {
        const q = dumpRecord(d);
        if (q) out.push(`sources[${i}].dumps[${j}]: ${q}`);
      });
  });
  return out;
}
