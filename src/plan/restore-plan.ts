// The restore plan, computed from the archive's manifest, the archive's per-source figures and the
// host files: which sources, in which order, onto which target paths and databases, overwriting
// what. Pure: the command prints it (it is the whole of --dry-run) and the executor follows it.
import { ENGINE_CONNECTION } from '../config/defaults.js';
import type { DbConnection, DumpEngine, HostConfig, SourceConfig, SourceKind } from '../config/types.js';
import { UsageError } from '../errors.js';
import { unsafeRelativePath, unsafeTargetPath } from './restore-paths.js';
import { restoreOrder, selectOnly } from './restore-order.js';

/** A dump as the manifest records it (structurally the DumpRecord of actions/database.ts). */
export interface PlanDump {
  file: string;
  engine: string;
  database: string;
  format: string;
  serverVersion?: string;
  startedAt?: string;
  endedAt?: string;
  size: number;
  sha256?: string;
  rowCounts?: Record<string, number>;
}

/** What a safety snapshot records about the state before a restore (absent from nightly manifests). */
export interface PreRestoreState {
  /** Whether the target path existed (a folder that did not is emptied on rollback, not removed). */
  existed: boolean;
  /** Databases that did not exist before the restore: a rollback drops them. */
  absentDatabases?: Array<{ engine: string; database: string }>;
}

export interface PlanManifest {
  host: string;
  archive: string;
  createdAt: string;
  sources: Array<{
    name: string;
    kind: string;
    path: string;
    status: string;
    /** rsync excludes of the pull (absent in manifests written before they were recorded). */
    exclude?: string[];
    dumps?: PlanDump[];
    preRestore?: PreRestoreState;
  }>;
}

/** Regular files under a source folder of the archive (hard links counted per path) and their bytes. */
export interface SourceFigures {
  files: number;
  bytes: number;
}

export interface PlannedDatabase {
  engine: DumpEngine;
  /** Database name (file path for sqlite) on the target. */
  database: string;
  /** The name it had on the archived host. */
  sourceDatabase: string;
  connection: DbConnection;
  dump: PlanDump;
}

export interface PlannedStep {
  order: number;
  source: string;
  kind: SourceKind;
  /** `databases`: dumps restored into database servers; `files`: the folder pushed with rsync. */
  mode: 'databases' | 'files';
  /** Path on the target (files mode: replaced by the archived tree). */
  targetPath: string;
  /**
   * rsync excludes protecting target files the backup never held (files mode): the archive's own
   * (or, for older manifests, its host's configured ones), plus the target source's.
   */
  exclude: string[];
  bytes: number;
  files: number;
  databases: PlannedDatabase[];
  /** Databases dropped (rollback of a restore that created them). */
  drops: Array<Omit<PlannedDatabase, 'dump' | 'sourceDatabase'>>;
  /** Postgres globals (roles) applied before the databases: only onto another host, which lacks them. */
  globals?: { dump: PlanDump; connection: DbConnection };
  /** What this step overwrites, for people. */
  overwrites: string;
  notes: string[];
}

export interface RestorePlan {
  host: string;
  target: { name: string; address: string; port: number; user: string };
  repository: string;
  archive: string;
  createdAt: string;
  steps: PlannedStep[];
}

export interface PlanInput {
  manifest: PlanManifest;
  repository: string;
  archive: string;
  /** The host the archive belongs to (its file may be gone: then the manifest is enough). */
  origin?: HostConfig;
  target: HostConfig;
  figures: Record<string, SourceFigures>;
  only?: string[];
}

const ENGINES: readonly string[] = ['postgres', 'mariadb', 'mysql', 'sqlite'];
const KINDS: readonly string[] = ['database', 'blobs', 'data'];

/** The ordered plan; throws UsageError listing every problem (unknown --only words, unmatched or unsafe targets). */
export function buildRestorePlan(input: PlanInput): RestorePlan {
  const problems: string[] = [];
  const archived = input.manifest.sources.filter((s) => s.status !== 'failed' && KINDS.includes(s.kind));
  const { selected, unknown } = selectOnly(
    archived.map((s) => ({ ...s, kind: s.kind as SourceKind })),
    input.only,
  );
  if (unknown.length > 0) {
    problems.push(`--only: no source or kind named ${unknown.map((u) => `'${u}'`).join(', ')} in ${input.archive} (sources: ${archived.map((s) => s.name).join(', ')})`);
  }
  const steps: PlannedStep[] = [];
  for (const src of restoreOrder(selected)) {
    const target = input.target.sources.find((t) => t.name === src.name);
    if (!target) {
      problems.push(`host ${input.target.name} has no source named '${src.name}' (sources are matched by name)`);
      continue;
    }
    if (target.kind !== src.kind) {
      problems.push(`source '${src.name}' is ${src.kind} in ${input.archive} but ${target.kind} on host ${input.target.name}`);
      continue;
    }
    const why = unsafeTargetPath(target.path);
    if (why) {
      problems.push(`source '${src.name}': target path ${JSON.stringify(target.path)} ${why}`);
      continue;
    }
    const origin = input.origin?.sources.find((s) => s.name === src.name);
    const figures = input.figures[src.name] ?? { files: 0, bytes: 0 };
    const other = input.origin !== undefined && input.origin.name !== input.target.name;
    const step = planStep(steps.length + 1, src, target, origin, figures, input.target.name, other, problems);
    steps.push(step);
  }
  if (steps.length === 0 && problems.length === 0) problems.push(`nothing to restore from ${input.archive}`);
  if (problems.length > 0) throw new UsageError(`cannot plan the restore:\n  ${problems.join('\n  ')}`);
  const t = input.target;
  return {
    host: input.manifest.host,
    target: { name: t.name, address: t.address, port: t.port, user: t.user },
    repository: input.repository,
    archive: input.archive,
    createdAt: input.manifest.createdAt,
    steps,
  };
}

type ManifestSource = PlanManifest['sources'][number] & { kind: SourceKind };

function planStep(
  order: number,
  src: ManifestSource,
  target: SourceConfig,
  origin: SourceConfig | undefined,
  figures: SourceFigures,
  targetHost: string,
  otherHost: boolean,
  problems: string[],
): PlannedStep {
  const { name, kind } = src;
  const dumps = src.dumps ?? [];
  const exclude = [...new Set([...(src.exclude ?? origin?.exclude ?? []), ...target.exclude])];
  const base = { order, source: name, kind, targetPath: target.path, exclude, notes: [] as string[], drops: [] as PlannedStep['drops'] };
  const newest = newestDumps(dumps);
  const restorable = newest.filter((d) => d.format !== 'globals');
  const absent = src.preRestore?.absentDatabases ?? [];
  if (kind !== 'database' || restorable.length + absent.length === 0) {
    if (kind === 'database') base.notes.push('no dumps recorded in the manifest: the dump folder is restored as files');
    if (src.preRestore?.existed === false) base.notes.push(`${target.path} did not exist before the restore: it is emptied, not removed`);
    return {
      ...base,
      mode: 'files',
      bytes: figures.bytes,
      files: figures.files,
      databases: [],
      overwrites: `${targetHost}:${target.path} (replaced by the archived tree; files not in the archive are deleted${exclude.length ? `, except those matching ${exclude.join(' ')}` : ''})`,
    };
  }
  const globals = newest.find((d) => d.format === 'globals' && d.engine === 'postgres');
  let planGlobals: PlannedStep['globals'];
  if (globals && otherHost) {
    planGlobals = { dump: globals, connection: target.dump?.connection ?? { ...ENGINE_CONNECTION.postgres } };
    base.notes.push('the globals dump (roles) is applied first; roles that already exist are left as they are');
  } else if (globals) {
    base.notes.push('the globals dump (roles) is not applied onto the same host (its roles exist); apply it with psql by hand if needed');
  }
  const older = dumps.length - newest.length;
  if (older > 0) base.notes.push(`${older} older dump(s) in the folder are not restored (newest per database only)`);
  for (const a of absent) {
    if (!ENGINES.includes(a.engine)) continue;
    const engine = a.engine as DumpEngine;
    base.drops.push({ engine, database: a.database, connection: target.dump?.connection ?? { ...ENGINE_CONNECTION[engine] } });
  }
  const databases: PlannedDatabase[] = [];
  for (const d of restorable) {
    const bad = unsafeRelativePath(d.file);
    if (bad) problems.push(`source '${name}': dump file ${JSON.stringify(d.file)} ${bad}`);
    if (!ENGINES.includes(d.engine)) {
      problems.push(`source '${name}': dump ${d.file} has unknown engine '${d.engine}'`);
      continue;
    }
    const engine = d.engine as DumpEngine;
    const database = mapDatabase(engine, d.database, origin, target);
    if (engine === 'sqlite') {
      const why = unsafeTargetPath(database);
      if (why) problems.push(`source '${name}': sqlite target ${JSON.stringify(database)} ${why}`);
    }
    const connection = target.dump?.connection ?? { ...ENGINE_CONNECTION[engine] };
    databases.push({ engine, database, sourceDatabase: d.database, connection, dump: d });
  }
  const where = (db: { engine: DumpEngine; database: string; connection: DbConnection }) =>
    db.engine === 'sqlite' ? `sqlite file ${targetHost}:${db.database}` : `${db.engine} database ${db.database} on ${db.connection.host}:${db.connection.port} of ${targetHost}`;
  const overwrites = [
    ...databases.map((db) => `${where(db)} (its objects are dropped and replaced)`),
    ...base.drops.map((db) => `${where(db)} (dropped: it did not exist before the restore)`),
  ];
  return {
    ...base,
    mode: 'databases',
    bytes: databases.reduce((n, d) => n + d.dump.size, 0) + (planGlobals?.dump.size ?? 0),
    files: databases.length + (planGlobals ? 1 : 0),
    databases,
    ...(planGlobals ? { globals: planGlobals } : {}),
    overwrites: overwrites.join('; '),
  };
}

/** Only the newest dump of each (engine, database): a dump folder keeps several generations. */
export function newestDumps(dumps: readonly PlanDump[]): PlanDump[] {
  const newest = new Map<string, PlanDump>();
  for (const d of dumps) {
    const key = `${d.engine}\0${d.format === 'globals' ? '\0globals' : d.database}`;
    const cur = newest.get(key);
    if (!cur || stamp(d) > stamp(cur)) newest.set(key, d);
  }
  return dumps.filter((d) => newest.get(`${d.engine}\0${d.format === 'globals' ? '\0globals' : d.database}`) === d);
}

function stamp(d: PlanDump): string {
  return d.endedAt ?? d.startedAt ?? d.file;
}

/** The target's name for a database: the same name, except sqlite files listed at the same position on both hosts. */
function mapDatabase(engine: DumpEngine, database: string, origin: SourceConfig | undefined, target: SourceConfig): string {
  if (engine !== 'sqlite') return database;
  const from = origin?.dump?.databases;
  const to = target.dump?.databases;
  if (Array.isArray(from) && Array.isArray(to) && from.length === to.length) {
    const i = from.indexOf(database);
    if (i >= 0) return to[i]!;
  }
  return database;
}

/** Bytes demanded free for `bytes` restored: the size plus the margin fraction plus the fixed minimum. */
export function requiredFreeBytes(bytes: number, margin: number, minFree: number): number {
  return Math.ceil(bytes * (1 + margin)) + minFree;
}
