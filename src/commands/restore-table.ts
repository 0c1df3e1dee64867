// `pullback restore --host H --only SOURCE --table [SCHEMA.]TABLE [--database DB] [--as NAME |
// --replace [--cascade]] [--archive A | --before T] [--dry-run] [--yes]`: one table of a nightly
// dump put back into the live database, by default beside the live table under a new name
// (`orders_restored_20261206`). The plan names the dump, its age, the rows it holds and what
// changes; before anything changes the dump is extracted from the archive (every chunk read) and
// compared with the digest recorded at night; afterwards the restored table's rows are counted and
// compared with the dump's. Exit 0 only when that count matches; 1 when refused or failed; 2 for
// bad input (no such table, a name taken).
import { mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join, posix } from 'node:path';
import { openRepo } from '../archive/repo-identity.js';
import { archiveBefore } from '../archive/facts.js';
import { repositoryPath, type HostConfig, type SourceConfig } from '../config/types.js';
import { getEngine } from '../engines/registry.js';
import type { MariadbEngine } from '../engines/mariadb.js';
import { sshRunner } from '../engines/runner.js';
import { describeError, UsageError } from '../errors.js';
import { borgContext } from '../job/context.js';
import { assertPreflight } from '../job/preflight.js';
import { takeHostLock } from '../lock/host-lock.js';
import type { HeldLock } from '../lock/run-lock.js';
import { nightlyGlob } from '../tools/borg/flags.js';
import { extractArchive } from '../tools/borg/extract.js';
import { decompressedName } from '../tools/compress/decompress.js';
import { decompressDump } from '../restore/db-restore.js';
import type { PlannedDatabase } from '../restore/plan.js';
import { resolveAndPrepare, restoreStateDir } from '../restore/prepare.js';
import { recordedCheckFailures } from '../restore/readiness.js';
import { formatChecklist } from '../restore/format.js';
import type { ChecklistItem } from '../restore/readiness-verdict.js';
import { beginLogin, type Login } from '../restore/login.js';
import { RestoreRecorder } from '../restore/record.js';
import { describeMismatches, stagedDumpMismatches } from '../restore/dump-digests.js';
import { targetRunner, databaseLabel } from '../restore/db-facts.js';
import type { RestoreContext } from '../restore/context.js';
import { withRemoteTemp } from '../restore/remote-temp.js';
import { pushTree } from '../restore/files.js';
import { ReplaceError } from '../restore/databases/replace.js';
import { defaultCopyName, keptRowsName, resolveTable, tableNameProblem, type TableName } from '../restore/table/names.js';
import type { TableFacts, TableJob, TableMode, TableOutcome } from '../restore/table/job.js';
import { postgresTableFacts, restorePostgresTable } from '../restore/table/postgres-table.js';
import { mariadbTableFacts, restoreMariadbTable } from '../restore/table/mariadb-table.js';
import { extractMysqlTable } from '../restore/table/mysql-extract.js';
import { age } from '../report/freshness.js';
import { checkArchiveArg, checkNameArg } from '../config/names.js';
import type { Values } from './spec.js';
import { parseBefore } from './restore.js';
import { confirm, interruptSignal, openEnv, selectHosts, type GlobalOptions } from './common.js';

export interface TableOptions {
  host: string;
  source: string;
  table: string;
  database?: string;
  as?: string;
  replace: boolean;
  cascade: boolean;
  archive?: string;
  before?: Date;
  dryRun: boolean;
  yes: boolean;
  force: boolean;
}

type Family = 'postgres' | 'mariadb';

const TABLE_FLAGS_REFUSED = ['to', 'into', 'path', 'at', 'map-db', 'from-offsite', 'rollback', 'delete'] as const;

/** `--table` options from the command line; throws UsageError for contradictions. */
export function tableOptions(v: Values): TableOptions {
  const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  if (str('table') === undefined) throw new UsageError('--as, --replace and --cascade go with --table [SCHEMA.]TABLE');
  const given = TABLE_FLAGS_REFUSED.filter((f) => v[f] !== undefined && v[f] !== false);
  if (given.length) throw new UsageError(`--table restores one table into the host's own database: it takes no ${given.map((f) => `--${f}`).join(', ')}`);
  const only = str('only')?.split(',').map((s) => s.trim()).filter((s) => s !== '') ?? [];
  if (only.length !== 1) throw new UsageError('--table needs --only SOURCE: the one database source whose dump holds the table');
  if (!str('host')) throw new UsageError('restore --table needs --host NAME');
  const table = str('table')!;
  if (table === '' || table.includes('\0')) throw new UsageError('--table: give a table name ([SCHEMA.]TABLE)');
  if (v.replace && str('as') !== undefined) throw new UsageError('--as names a copy beside the live table; --replace puts the rows in place of the live table: give one');
  if (v.cascade && !v.replace) throw new UsageError('--cascade goes with --replace');
  if (str('archive') !== undefined && str('before') !== undefined) throw new UsageError('give --archive NAME or --before TIME, not both');
  const archive = str('archive');
  return {
    host: checkNameArg('--host', str('host')!),
    source: checkNameArg('--only', only[0]!),
    table,
    ...(str('database') !== undefined ? { database: str('database')! } : {}),
    ...(str('as') !== undefined ? { as: str('as')! } : {}),
    replace: !!v.replace,
    cascade: !!v.cascade,
    ...(archive !== undefined && archive !== 'latest' ? { archive: checkArchiveArg('--archive', archive) } : {}),
    ...(str('before') !== undefined ? { before: parseBefore(str('before')!) } : {}),
    dryRun: !!v['dry-run'],
    yes: !!v.yes,
    force: !!v.force,
  };
}

const family = (engine: string): Family | undefined => (engine === 'postgres' ? 'postgres' : engine === 'mariadb' || engine === 'mysql' ? 'mariadb' : undefined);
const show = (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');

/** Runs it; returns the exit code. */
export async function restoreTableCommand(g: GlobalOptions, o: TableOptions): Promise<number> {
  const env = openEnv(g, { repositories: true });
  const interrupt = interruptSignal(env.logger);
  let lock: HeldLock | undefined;
  let login: Login | undefined;
  const global = env.config.global;
  const work = join(restoreStateDir(global), `table-${process.pid}`);
  try {
    assertPreflight(global, { borg: true, ssh: true });
    const [host] = selectHosts(env.config, [o.host]);
    const source = host!.sources.find((s) => s.name === o.source);
    if (!source) throw new UsageError(`host ${host!.name} has no source ${JSON.stringify(o.source)} (its sources: ${host!.sources.map((s) => s.name).join(', ')})`);
    if (source.kind !== 'database') throw new UsageError(`--table restores a table of a database source: ${source.name} is a ${source.kind} source (restore its files with --path)`);
    if (!o.dryRun) lock = takeHostLock(global.stateDir, host!.name, `restore --table onto ${host!.name}`).lock;
    login = beginLogin(global, host!, env.logger, interrupt.signal);
    const borg = borgContext({ global, logger: env.logger, signal: interrupt.signal });
    const repository = repositoryPath(global, host!.name);
    await openRepo(borg, env.catalog, repository, host!.name, 'read');
    const guess = env.catalog.newestArchive(repository, host!.name, nightlyGlob(host!.name));
    const wanted = o.before ? (await archiveBefore(borg, repository, host!.name, o.before)).name : o.archive;
    const prepared = await resolveAndPrepare(global, borg, host!.name, wanted, guess, { repository, origin: host!, target: host!, only: [source.name], extractOnly: false });
    const archive = prepared.archive.name;
    const step = prepared.plan.steps.find((s) => s.source === source.name && s.mode === 'databases');
    const db = pickDatabase(step?.databases ?? [], o.database, source, archive);
    const fam = family(db.engine);
    if (!fam) throw new UsageError(`--table restores tables of postgres, mariadb and mysql dumps: ${db.database} is a ${db.engine} database (restore the whole source with --only ${source.name})`);
    const tables = Object.keys(db.dump.rowCounts ?? {});
    const resolved = resolveTable(fam, o.table, db.sourceDatabase, tables);
    if (!resolved.ok) throw new UsageError(`${resolved.problem}; nothing was changed`);
    const name = resolved.name;
    const dumpedAt = db.dump.startedAt ?? db.dump.modifiedAt ?? db.dump.firstSeenAt ?? prepared.plan.createdAt;
    const mode: TableMode = o.replace ? { kind: 'replace', keep: keptRowsName(fam, name.table, new Date()), cascade: o.cascade } : { kind: 'as', name: o.as ?? defaultCopyName(fam, name.table, new Date(dumpedAt)) };
    if (mode.kind === 'as') {
      const bad = tableNameProblem(fam, mode.name);
      if (bad) throw new UsageError(`--as: ${bad}`);
    }
    const dumpRows = db.dump.rowCounts![name.key]!;

    // What the live database holds: read before anything changes (a login that failed refuses here).
    const logged = await login.session;
    if (!('session' in logged)) {
      env.out(`Refused: cannot log in to ${host!.name}: ${logged.loginError}. Nothing was changed.`);
      return 1;
    }
    const ctx: RestoreContext = { global, target: host!, session: logged.session, borg, repository, archive, workDir: work, logger: env.logger.child({ restore: host!.name }), signal: interrupt.signal };
    const run = targetRunner(ctx);
    const copyName = mode.kind === 'as' ? mode.name : mode.keep;
    const facts =
      fam === 'postgres'
        ? await postgresTableFacts(run, db.connection, db.database, name.schema!, name.table, copyName)
        : await mariadbTableFacts(getEngine(db.engine) as MariadbEngine, run, db.connection, db.database, name.table, copyName);
    const label = databaseLabel(db.engine, db.database, db.connection);
    env.out(formatTablePlan({ host: host!, source, db, label, archive, dumpedAt, name, dumpRows, mode, facts }));
    const refusal = refusalOf(fam, name, mode, facts, db.database);
    if (refusal) throw new UsageError(`${refusal}; nothing was changed`);

    // Readiness: the recorded checks of the repository, then the dump itself read back from the archive.
    const items: ChecklistItem[] = [];
    const failed = recordedCheckFailures(env.catalog, repository, host!.name);
    items.push(
      failed.length === 0
        ? { name: 'repository checks', status: 'pass', figure: 'no failed check recorded' }
        : { name: 'repository checks', status: o.force ? 'overridden' : 'fail', figure: `failed checks recorded: ${failed.map((f) => `${f.kind} at ${f.at}`).join(', ')}${o.force ? ' (--force: the dump is read back below)' : ' (give --force to restore from it anyway: the dump is read back and compared with its digest)'}` },
    );
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true, mode: 0o700 });
    const t0 = Date.now();
    const loaded = await readBack(ctx, step!, db, work, fam, name).catch((e: unknown) => ({ problem: describeError(e) }));
    if ('problem' in loaded) items.push({ name: 'the dump, read back', status: 'fail', figure: loaded.problem });
    else items.push({ name: 'the dump, read back', status: 'pass', figure: `${db.dump.file} extracted from ${archive} (every chunk read) and identical to the night's (sha256), ${((Date.now() - t0) / 1000).toFixed(1)} s${loaded.note ? `; ${loaded.note}` : ''}` });
    env.out(formatChecklist('Readiness checklist:', items));
    const ok = items.every((i) => i.status !== 'fail');
    if (o.dryRun) {
      env.out(ok ? 'Dry run: every check passed; nothing was changed.' : 'Dry run: the restore would stop at the failed checks above; nothing was changed.');
      return ok ? 0 : 1;
    }
    const plan = { table: name.key, database: db.database, engine: db.engine, mode, dump: db.dump.file, dumpRows };
    const rec = RestoreRecorder.start(env.catalog.db, { kind: 'restore', host: host!.name, target: host!.name, repository, archive, only: [source.name], plan });
    if (!ok || 'problem' in loaded) {
      const r = rec.plan('readiness');
      rec.begin(r);
      rec.end(r, 'failed', items.filter((i) => i.status === 'fail').map((i) => `${i.name}: ${i.figure}`).join('; '), items);
      rec.finish('refused', 'readiness checklist failed');
      env.out('Readiness failed: the restore stops here; nothing was changed.');
      return 1;
    }
    if (!o.yes && !process.stdin.isTTY) throw new UsageError('refusing to restore without --yes: stdin is not a terminal to confirm on');
    if (!o.yes && !(await confirm(mode.kind === 'as' ? `Create ${mode.name} in ${label}?` : `Replace the rows of ${name.key} in ${label}?`))) {
      rec.finish('refused', 'cancelled');
      env.out('Cancelled: nothing was changed.');
      return 1;
    }
    const stepId = rec.plan('table', source.name);
    rec.begin(stepId);
    let outcome: TableOutcome;
    try {
      outcome = await withRemoteTemp(ctx, async (tmp) => {
        const pushed = await pushTree(ctx, loaded.dir, tmp, [], { folder: false });
        if (pushed.status === 'failed') throw new ReplaceError(`${pushed.error}; nothing in ${db.database} was changed`, false);
        const job: TableJob = { conn: db.connection, database: db.database, schema: name.schema ?? '', table: name.table, dumpFile: posix.join(tmp, loaded.file), workDir: tmp, mode, timeoutMs: global.dumpTimeoutSeconds * 1000, ...(db.dump.format === 'sql' ? { format: 'sql' as const } : {}) };
        const cleanup = sshRunner(ctx.session, { timeoutMs: 300_000, logger: ctx.logger });
        const timed = targetRunner(ctx, job.timeoutMs);
        return fam === 'postgres' ? restorePostgresTable(timed, cleanup, job) : restoreMariadbTable(getEngine(db.engine) as MariadbEngine, timed, cleanup, job);
      });
    } catch (e) {
      const changed = e instanceof ReplaceError ? e.changed : 'possibly';
      const error = `${describeError(e)}${changed === 'possibly' && !(e instanceof ReplaceError) ? ` (${db.database} may have been changed: look for ${copyName})` : ''}`;
      rec.end(stepId, 'failed', error);
      rec.finish(interrupt.signal.aborted ? 'interrupted' : 'failed', error);
      env.out(`  FAILED  table ${name.key}: ${error}`);
      return 1;
    }
    const match = outcome.rows === dumpRows;
    const check: ChecklistItem = { name: 'rows', status: match ? 'pass' : 'fail', figure: `${qualifiedName(name, outcome.table)} in ${db.database} holds ${outcome.rows} rows; the dump holds ${dumpRows}` };
    rec.end(stepId, match ? (outcome.warnings.length ? 'warning' : 'ok') : 'failed', match ? undefined : check.figure, { outcome, check });
    rec.finish(match ? 'ok' : 'failed', match ? undefined : check.figure);
    env.out(`Restore ${rec.id}:`);
    env.out(`  ${outcome.warnings.length ? 'WARN' : 'OK  '}    table ${name.key}: ${outcome.how}${outcome.warnings.length ? `; warning: ${outcome.warnings.join('; ')}` : ''}`);
    env.out(formatChecklist('Data checks:', [check]));
    env.out('');
    if (!match) {
      env.out(`Restore ${rec.id} of ${name.key}: FAILED: the restored table does not hold the dump's rows.`);
      return 1;
    }
    env.out(
      mode.kind === 'as'
        ? `Restore ${rec.id}: ${qualifiedName(name, outcome.table)} holds ${name.key} as dumped at ${show(dumpedAt)}; the live ${name.key} was not touched. Move rows by hand (docs/restore.md), then drop it.`
        : `Restore ${rec.id}: the rows of ${name.key} are the dump's of ${show(dumpedAt)}; the rows it replaced are kept in ${qualifiedName(name, outcome.kept!)} (to undo, move them back; drop it when done).`,
    );
    return 0;
  } finally {
    await login?.close();
    lock?.release();
    rmSync(work, { recursive: true, force: true });
    interrupt.dispose();
    env.close();
  }
}

function pickDatabase(databases: readonly PlannedDatabase[], wanted: string | undefined, source: SourceConfig, archive: string): PlannedDatabase {
  const all = databases.filter((d) => d.sourceDatabase !== '(globals)');
  if (all.length === 0) throw new UsageError(`archive ${archive} holds no dump of source ${source.name}`);
  if (wanted !== undefined) {
    const found = all.find((d) => d.sourceDatabase === wanted);
    if (!found) throw new UsageError(`archive ${archive} holds no dump of database ${JSON.stringify(wanted)} in source ${source.name} (it holds: ${all.map((d) => d.sourceDatabase).join(', ')})`);
    return found;
  }
  if (all.length > 1) throw new UsageError(`source ${source.name} dumps several databases (${all.map((d) => d.sourceDatabase).join(', ')}): say which with --database NAME`);
  return all[0]!;
}

/** Why the live database refuses the restore as asked (exit 2), or undefined. */
function refusalOf(fam: Family, name: TableName, mode: TableMode, facts: TableFacts, database: string): string | undefined {
  if (!facts.schemaExists) return `${database} has no schema ${JSON.stringify(name.schema)} (re-create it first, or restore the whole database)`;
  if (mode.kind === 'as') return facts.copyExists ? `${database} already has a table ${JSON.stringify(qualifiedName(name, mode.name))}: give another name with --as NAME, or drop it` : undefined;
  if (!facts.tableExists) return `${database} has no table ${JSON.stringify(name.key)} to replace: restore it under its own name with --as ${JSON.stringify(name.table)}`;
  if (facts.copyExists) return `${database} already has a table ${JSON.stringify(qualifiedName(name, mode.keep))} (where the rows before would be kept)`;
  if (facts.referencedBy.length > 0) {
    if (fam === 'mariadb') return `other tables reference ${name.key} (${facts.referencedBy.join(', ')}) and MariaDB cannot re-check their foreign keys after a replace: restore it under a new name (--as) and move the rows by hand`;
    if (!mode.cascade) return `other tables reference ${name.key} (${facts.referencedBy.join(', ')}): give --cascade to drop and re-create those foreign keys around the replace (validated: rows that would break them undo everything)`;
  }
  return undefined;
}

function qualifiedName(name: TableName, table: string): string {
  return name.schema !== undefined ? `${name.schema}.${table}` : table;
}

interface PlanView {
  host: HostConfig;
  source: SourceConfig;
  db: PlannedDatabase;
  label: string;
  archive: string;
  dumpedAt: string;
  name: TableName;
  dumpRows: number;
  mode: TableMode;
  facts: TableFacts;
}

/** The plan people read before confirming. */
export function formatTablePlan(p: PlanView, now = new Date()): string {
  const ago = age(now.getTime() - Date.parse(p.dumpedAt));
  const live = !p.facts.tableExists ? 'the live database has no such table now' : p.facts.estimatedRows !== undefined ? `the live table holds about ${p.facts.estimatedRows} rows` : 'the live table has no row estimate yet';
  const lines = [
    `Table restore plan: ${p.name.key} of ${p.label} (source ${p.source.name} of host ${p.host.name})`,
    `  from      archive ${p.archive}: dump ${p.db.dump.file}, taken ${show(p.dumpedAt)} (${ago} ago)`,
    `  rows      ${p.dumpRows} in the dump (${live})`,
  ];
  if (p.mode.kind === 'as') {
    lines.push(`  creates   ${qualifiedName(p.name, p.mode.name)} in ${p.db.database}: the dump's columns and rows (${p.db.engine === 'postgres' ? 'no indexes, constraints, defaults or triggers' : 'keys kept; no foreign keys or triggers'}); nothing else changes`);
  } else {
    lines.push(`  replaces  the rows of ${p.name.key} in ${p.db.database} by the dump's, in one transaction; the live rows are kept first in ${qualifiedName(p.name, p.mode.keep)}`);
    if (p.facts.referencedBy.length) lines.push(`  referenced by  ${p.facts.referencedBy.join(', ')}${p.mode.cascade ? ' (--cascade: those foreign keys are dropped and re-created around the replace, validated)' : ''}`);
    if (p.facts.triggers.length) lines.push(`  triggers  ${p.facts.triggers.join(', ')}: ${p.db.engine === 'postgres' ? 'not fired by the replace' : 'fired for every row deleted and inserted (MariaDB cannot turn them off)'}`);
  }
  lines.push(`  check     the restored table's rows are counted and compared with the dump's ${p.dumpRows}`);
  return lines.join('\n');
}

/**
 * The dump of `db` extracted from the archive into `work` (every chunk read), compared with the
 * night's digest, decompressed when it was compressed; for mariadb/mysql, the table's statements
 * taken out of it. Returns the folder to push and the file in it the restorer loads.
 */
async function readBack(ctx: RestoreContext, step: NonNullable<Parameters<typeof stagedDumpMismatches>[0]>, db: PlannedDatabase, work: string, fam: Family, name: TableName): Promise<{ dir: string; file: string; note?: string }> {
  const stage = join(work, 'stage');
  await extractArchive(ctx.borg, ctx.repository, ctx.archive, stage, { exact: [`${step.source}/${db.dump.file}`] });
  const only = { ...step, databases: [db], globals: undefined };
  const mismatched = await stagedDumpMismatches(only, join(stage, step.source));
  if (mismatched.length > 0) throw new Error(`the extracted dump is not the one recorded at night: ${describeMismatches(mismatched)}`);
  let file = join(stage, step.source, db.dump.file);
  if (db.dump.compression) {
    const plain = join(work, decompressedName(basename(db.dump.file)));
    await decompressDump(ctx, db.dump, file, plain);
    file = plain;
  }
  const push = join(work, 'push');
  mkdirSync(push, { mode: 0o700 });
  if (fam === 'mariadb') {
    const out = join(push, 'table.sql');
    const got = await extractMysqlTable(file, name.table, out);
    if (!got.found) throw new Error(`the dump ${db.dump.file} holds no CREATE TABLE of ${name.table}`);
    const left = [...(got.foreignKeys.length ? [`foreign keys left out: ${got.foreignKeys.length}`] : []), ...(got.triggers ? ['its triggers left out'] : [])];
    return { dir: push, file: 'table.sql', note: `the table's statements taken out (${statSync(out).size} bytes)${left.length ? `; ${left.join('; ')}` : ''}` };
  }
  const to = join(push, db.dump.format === 'sql' ? 'dump.sql' : 'dump.pgdump');
  renameSync(file, to);
  return { dir: push, file: basename(to) };
}
