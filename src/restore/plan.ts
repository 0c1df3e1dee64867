// The restore plan, computed from the archive's manifest, the archive's per-source figures and the
// host files: which sources, in which order, onto which target paths and databases, overwriting
// what. Pure: the command prints it (it is the whole of --dry-run) and the executor follows it.
import { posix } from 'node:path';
import { ENGINE_CONNECTION } from '../config/defaults.js';
import type { DbConnection, DumpEngine, HostConfig, SourceConfig, SourceKind } from '../config/types.js';
import { UsageError } from '../errors.js';
import type { SourceFigures } from '../archive/facts.js';
import type { DumpRecord, Manifest } from '../archive/manifest.js';
import { unsafeRelativePath, unsafeTargetPath } from './paths.js';
import { restoreOrder, selectOnly } from './order.js';
import type { SelectedItem, StepSelection } from './selection.js';

/** A source of a partial archive that holds an older state than the archive's night. */
export interface OlderSource {
  source: string;
  /** The failed step of the archive's night (pull, dump...). */
  failedStep: string;
  /** The archive its state was kept from (absent: its mirror as last pulled, of unknown age). */
  keptFrom?: string;
  /** How much older than the archive that state is, in seconds (absent: unknown). */
  olderBySeconds?: number;
}

export interface PlannedDatabase {
  engine: DumpEngine;
  /** Database name (file path for sqlite) on the target. */
  database: string;
  /** The name it had on the archived host. */
  sourceDatabase: string;
  /** How the target name was chosen when it differs or could (another host): for the plan. */
  mapping?: string;
  connection: DbConnection;
  dump: DumpRecord;
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
  globals?: { dump: DumpRecord; connection: DbConnection };
  /** What this step overwrites, for people. */
  overwrites: string;
  notes: string[];
  /** A granular step (`--path`): only these files or folders of the source (files mode). */
  selection?: StepSelection;
}

export interface RestorePlan {
  host: string;
  target: { name: string; address: string; port: number; user: string };
  repository: string;
  archive: string;
  createdAt: string;
  steps: PlannedStep[];
  /** Sources in the archive that `--only` left out, in restore order: the restore leaves them alone. */
  notSelected?: string[];
  /** Set when the archive is partial: its comment and the restored sources that come from an older state. */
  partial?: { comment: string; older: OlderSource[] };
}

export interface PlanInput {
  manifest: Manifest;
  repository: string;
  archive: string;
  /** The host the archive belongs to (its file may be gone: then the manifest is enough). */
  origin?: HostConfig;
  target: HostConfig;
  figures: Record<string, SourceFigures>;
  only?: string[];
  /** `--map-db old=new`: the target database for a database of the archive. */
  mapDb?: Record<string, string>;
  /** `--into`: the dumps are extracted as files, never restored, so no database name is needed. */
  extractOnly?: boolean;
  /** `--path`: only these files or folders, per source (their sources alone are restored). */
  selection?: ReadonlyMap<string, SelectedItem[]>;
  /** `--delete`: inside a selected folder, what the archive does not hold is deleted. */
  deleteInSelection?: boolean;
}

const ENGINES: readonly string[] = ['postgres', 'mariadb', 'mysql', 'sqlite'];
const KINDS: readonly string[] = ['database', 'blobs', 'data'];

/** The ordered plan; throws UsageError listing every problem (unknown --only words, unmatched or unsafe targets). */
export function buildRestorePlan(input: PlanInput): RestorePlan {
  const problems: string[] = [];
  const archived = input.manifest.sources.filter((s) => s.status !== 'failed' && KINDS.includes(s.kind));
  const { selected, unknown } = selectOnly(
    archived.map((s) => ({ ...s, kind: s.kind as SourceKind })),
    input.selection ? [...input.selection.keys()] : input.only,
  );
  if (unknown.length > 0) {
    problems.push(`--only: no source or kind named ${unknown.map((u) => `'${u}'`).join(', ')} in ${input.archive} (sources: ${archived.map((s) => s.name).join(', ')})`);
  }
  const steps: PlannedStep[] = [];
  const mapDb = input.mapDb ?? {};
  const usedMaps = new Set<string>();
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
    const selected = stepSelection(src, input);
    const step = planStep(steps.length + 1, src, target, origin, figures, input.target.name, { otherHost: other, mapDb, used: usedMaps, extractOnly: input.extractOnly ?? false, selection: selected }, problems);
    steps.push(step);
  }
  problems.push(...unusedMappings(mapDb, usedMaps, archived, input.archive));
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
    notSelected: restoreOrder(archived.filter((s) => !selected.some((x) => x.name === s.name)).map((s) => ({ ...s, kind: s.kind as SourceKind }))).map((s) => s.name),
    ...partialOf(input.manifest, steps),
  };
}

/** A partial archive's comment and the planned sources kept from an earlier night, with how much older they are. */
function partialOf(m: Manifest, steps: readonly PlannedStep[]): Pick<RestorePlan, 'partial'> {
  const kept = m.sources.filter((s) => s.status === 'kept' && steps.some((p) => p.source === s.name));
  if (!m.partial && kept.length === 0) return {};
  const archiveTime = Date.parse(m.createdAt);
  const older = kept.map((s): OlderSource => {
    const from = s.failed?.keptFrom;
    const stamp = from ? /(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(from) : null;
    const t = stamp ? Date.parse(`${stamp[1]}-${stamp[2]}-${stamp[3]}T${stamp[4]}:${stamp[5]}:${stamp[6]}Z`) : NaN;
    const by = Number.isFinite(t) && Number.isFinite(archiveTime) ? Math.max(0, Math.round((archiveTime - t) / 1000)) : undefined;
    return { source: s.name, failedStep: s.failed?.step ?? '?', ...(from ? { keptFrom: from } : {}), ...(by !== undefined ? { olderBySeconds: by } : {}) };
  });
  return { partial: { comment: m.partial?.comment ?? 'partial: a source failed on its night', older } };
}

type ManifestSource = Manifest['sources'][number] & { kind: SourceKind };

/**
 * The selection of a granular step: `--path`'s, or (a rollback of a granular restore) the safety
 * snapshot's, which puts back exactly the paths it saved and removes those that did not exist.
 */
function stepSelection(src: Manifest['sources'][number], input: PlanInput): StepSelection | undefined {
  const asked = input.selection?.get(src.name);
  if (asked) return { items: asked, delete: input.deleteInSelection ?? false };
  const saved = src.preRestore?.selection;
  if (!saved) return undefined;
  return { items: saved.present.map((rel) => ({ rel, files: 0, bytes: 0 })), delete: true, remove: saved.absent };
}

/** What a granular step does, for people: the paths, and what happens inside selected folders. */
function selectionOverwrites(sel: StepSelection, targetHost: string, targetPath: string): string {
  const shown = (rel: string) => JSON.stringify(`${targetPath}/${rel}`);
  const parts = [`only ${sel.items.map((i) => shown(i.rel)).join(', ')} on ${targetHost} (each replaced by the archived version; files created since inside a selected folder ${sel.delete ? 'are deleted (--delete)' : 'stay (no --delete)'}; nothing outside them changes)`];
  if (sel.remove?.length) parts.push(`removed (the restore created them): ${sel.remove.map(shown).join(', ')}`);
  return parts.join('; ');
}

function planStep(
  order: number,
  src: ManifestSource,
  target: SourceConfig,
  origin: SourceConfig | undefined,
  figures: SourceFigures,
  targetHost: string,
  naming: Naming,
  problems: string[],
): PlannedStep {
  const { otherHost } = naming;
  const { name, kind } = src;
  const dumps = src.dumps ?? [];
  const exclude = [...new Set([...(src.exclude ?? origin?.exclude ?? []), ...target.exclude])];
  const base = { order, source: name, kind, targetPath: target.path, exclude, notes: [] as string[], drops: [] as PlannedStep['drops'] };
  const newest = newestDumps(dumps);
  const restorable = newest.filter((d) => d.format !== 'globals');
  const absent = src.preRestore?.absentDatabases ?? [];
  const sel = naming.selection;
  if (sel) {
    // A granular step: files mode whatever the source's kind (a dump file is restored as a file).
    const counted = sel.items.every((i) => i.type !== undefined);
    return {
      ...base,
      mode: 'files',
      bytes: counted ? sel.items.reduce((n, i) => n + i.bytes, 0) : figures.bytes,
      files: counted ? sel.items.reduce((n, i) => n + i.files, 0) : figures.files,
      databases: [],
      overwrites: selectionOverwrites(sel, targetHost, target.path),
      selection: sel,
    };
  }
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
  for (const tie of unorderedDumps(dumps)) {
    problems.push(`source '${name}': cannot tell which dump of ${tie[0]!.database} is newest: ${tie.map((d) => d.file).join(', ')} carry no time (restore an archive made by a newer pullback)`);
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
    // A dump that names no database (a plain SQL file the server's cron writes, archived before the
    // source had a `database:`): the target source's `database:` now, as the message below advises.
    const named = d.database || target.database || '';
    if (named === '' && naming.extractOnly) {
      base.notes.push(`dump ${d.file} names no database: extracted as a file only`);
      continue;
    }
    if (named === '') {
      problems.push(`source '${name}': dump ${d.file} names no database (no metadata, none inside the file): set 'database:' on source '${name}' of host ${targetHost}`);
      continue;
    }
    if (named !== d.database) base.notes.push(`dump ${d.file} names no database: restored into ${JSON.stringify(named)} (database: of source '${name}' on ${targetHost})`);
    const mapped = mapDatabase(engine, named, origin, target, naming);
    if ('problem' in mapped) {
      if (naming.extractOnly) base.notes.push(`${mapped.problem} (extracted as a file only)`);
      else problems.push(`source '${name}': ${mapped.problem}`);
      continue;
    }
    const database = mapped.name;
    if (mapped.how) base.notes.push(`database ${JSON.stringify(named)} -> ${JSON.stringify(database)} on ${targetHost} (${mapped.how})`);
    if (engine === 'sqlite') {
      const why = unsafeTargetPath(database);
      if (why) problems.push(`source '${name}': sqlite target ${JSON.stringify(database)} ${why}`);
    }
    const connection = target.dump?.connection ?? { ...ENGINE_CONNECTION[engine] };
    databases.push({ engine, database, sourceDatabase: named, connection, dump: d, ...(mapped.how ? { mapping: mapped.how } : {}) });
  }
  const where = (db: { engine: DumpEngine; database: string; connection: DbConnection }) =>
    db.engine === 'sqlite' ? `sqlite file ${targetHost}:${db.database}` : `${db.engine} database ${db.database} on ${db.connection.host}:${db.connection.port} of ${targetHost}`;
  const overwrites = [
    ...databases.map((db) => `${where(db)} (${db.engine === 'postgres' && db.dump.format === 'sql' ? PLAIN_SQL_REPLACED : REPLACED[db.engine]})`),
    ...base.drops.map((db) => `${where(db)} (dropped: it did not exist before the restore)`),
  ];
  return {
    ...base,
    mode: 'databases',
    // --into extracts the source's whole folder (every dump, metadata files too): the archive's figures.
    bytes: naming.extractOnly ? figures.bytes : databases.reduce((n, d) => n + d.dump.size, 0) + (planGlobals?.dump.size ?? 0),
    files: naming.extractOnly ? figures.files : databases.length + (planGlobals ? 1 : 0),
    databases,
    ...(planGlobals ? { globals: planGlobals } : {}),
    overwrites: overwrites.join('; '),
  };
}

/** What becomes of a database the plan restores, for people (see restore/databases/). */
export const REPLACED: Record<DumpEngine, string> = {
  postgres: 'replaced by the dump: restored into a fresh database, then swapped in; objects created since the dump are gone',
  mariadb: 'dropped if it exists, created again (with the character set and collation recorded with the dump, where it has them) and restored from the dump; objects created since the dump are gone',
  mysql: 'dropped if it exists, created again (with the character set and collation recorded with the dump, where it has them) and restored from the dump; objects created since the dump are gone',
  sqlite: 'the file is replaced by the dumped file',
};

/** A plain pg_dump file (a server's cron wrote it) is a psql script: loaded into the fresh database instead of pg_restore'd. */
const PLAIN_SQL_REPLACED = 'replaced by the dump: a plain SQL dump, loaded with psql (ON_ERROR_STOP, one transaction) into a fresh database, then swapped in; objects created since the dump are gone';

interface Naming {
  /** The archive comes from another host than the target. */
  otherHost: boolean;
  mapDb: Record<string, string>;
  /** The `--map-db` keys a database of the plan took: one left over is a typo, refused. */
  used: Set<string>;
  extractOnly: boolean;
  /** A granular step's selection. */
  selection?: StepSelection;
}

/**
 * One problem per `--map-db OLD=NEW` whose OLD no restored database took: the positional or
 * same-name mapping would otherwise go ahead silently (a typo plus --yes overwrites a live database).
 */
function unusedMappings(mapDb: Record<string, string>, used: ReadonlySet<string>, archived: Manifest['sources'], archive: string): string[] {
  const unused = Object.keys(mapDb).filter((k) => !used.has(k));
  if (unused.length === 0) return [];
  const names = [...new Set(archived.flatMap((s) => newestDumps(s.dumps ?? []).filter((d) => d.format !== 'globals' && d.database !== '').map((d) => `${d.database} (${s.name})`)))];
  const list = names.length ? names.join(', ') : 'none';
  const sourceOf = (db: string) => archived.find((s) => newestDumps(s.dumps ?? []).some((d) => d.format !== 'globals' && d.database === db))?.name;
  return unused.map((k) => {
    const left = sourceOf(k);
    // In the archive but its source not selected: say so, not "no database named".
    const why = left !== undefined ? `${JSON.stringify(k)} is in source ${left}, which --only leaves out` : `no database named ${JSON.stringify(k)} is restored from ${archive} (its databases: ${list})`;
    return `--map-db ${k}=${mapDb[k]}: ${why}; nothing was changed`;
  });
}

/**
 * Only the newest dump of each (engine, database): a dump folder keeps several generations. Newest
 * is the dump pullback first saw last (by its own clock); among dumps first seen in the same pull,
 * the time the server claims (which the nightly refused beyond dumps.max_clock_skew ahead).
 */
export function newestDumps(dumps: readonly DumpRecord[]): DumpRecord[] {
  const newest = new Map<string, DumpRecord>();
  for (const d of dumps) {
    const cur = newest.get(dumpKey(d));
    if (!cur || newer(d, cur)) newest.set(dumpKey(d), d);
  }
  return dumps.filter((d) => newest.get(dumpKey(d)) === d);
}

/** Groups of dumps of one database whose newest cannot be told: more than one, first seen together, none with a time. */
export function unorderedDumps(dumps: readonly DumpRecord[]): DumpRecord[][] {
  const groups = new Map<string, DumpRecord[]>();
  for (const d of dumps) groups.set(dumpKey(d), [...(groups.get(dumpKey(d)) ?? []), d]);
  return [...groups.values()].filter((g) => g.length > 1 && g.every((d) => stamp(d) === '') && new Set(g.map((d) => d.firstSeenAt ?? '')).size === 1);
}

/** Whether `a` is newer than `b`: first seen later, else (seen in the same pull, or never recorded) a later claimed time. */
function newer(a: DumpRecord, b: DumpRecord): boolean {
  const fa = a.firstSeenAt ?? '';
  const fb = b.firstSeenAt ?? '';
  if (fa !== fb) return fa > fb;
  return stamp(a) > stamp(b);
}

function dumpKey(d: DumpRecord): string {
  return `${d.engine}\0${d.format === 'globals' ? '\0globals' : d.database}`;
}

/** When a dump was taken (ISO time, so they compare as strings); '' when unknown. Never the file name. */
function stamp(d: DumpRecord): string {
  return d.endedAt ?? d.startedAt ?? d.modifiedAt ?? '';
}

/** The databases a source names: its dump list, or the one database a cron-filled dump folder restores into. */
function namedDatabases(source: SourceConfig | undefined): readonly string[] | 'all' | undefined {
  return source?.dump?.databases ?? (source?.database !== undefined ? [source.database] : undefined);
}

/**
 * The target's name for a database of the archive: `--map-db` first; the same name onto the same
 * host; onto another host the same name when the target lists it, else the name at the same
 * position of equally long lists (sqlite files: the target file with the same base name), else the
 * same name when the target dumps `all`; anything else is ambiguous and refused.
 */
function mapDatabase(engine: DumpEngine, database: string, origin: SourceConfig | undefined, target: SourceConfig, naming: Naming): { name: string; how?: string } | { problem: string } {
  const explicit = Object.hasOwn(naming.mapDb, database) ? naming.mapDb[database] : undefined;
  if (explicit !== undefined) {
    naming.used.add(database);
    return { name: explicit, how: '--map-db' };
  }
  if (!naming.otherHost) return { name: database };
  const to = namedDatabases(target);
  const hint = `give --map-db ${JSON.stringify(`${database}=NAME`).slice(1, -1)}`;
  if (engine === 'sqlite') {
    const list = Array.isArray(to) ? to : [];
    const same = list.filter((p) => p === database || posix.basename(p) === posix.basename(database));
    if (same.length === 1) return { name: same[0]!, how: same[0] === database ? 'same path' : 'same file name' };
    return { problem: `sqlite file ${database}: ${same.length > 1 ? `several files of the target have its name (${same.join(', ')})` : 'the target lists no file of that name'}; ${hint}` };
  }
  if (to === 'all') return { name: database, how: 'same name: the target dumps all databases' };
  if (to?.includes(database)) return { name: database, how: 'same name' };
  const from = namedDatabases(origin);
  if (Array.isArray(from) && Array.isArray(to) && from.length === to.length && from.includes(database)) {
    const i = from.indexOf(database);
    return { name: to[i]!, how: `position ${i + 1} in databases:` };
  }
  const why = !to ? 'the target source names no databases' : !Array.isArray(from) ? 'the origin source does not list its databases' : from.length !== to.length ? `the lists differ in length (${from.length} and ${to.length})` : `${database} is not in the origin's list`;
  return { problem: `cannot tell which database of the target receives ${database}: ${why}; ${hint}` };
}

/** Bytes demanded free for `bytes` restored: the size plus the margin fraction plus the fixed minimum. */
export function requiredFreeBytes(bytes: number, margin: number, minFree: number): number {
  return Math.ceil(bytes * (1 + margin)) + minFree;
}
