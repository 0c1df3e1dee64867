// Post-restore checks, in two phases. The data checks (dataChecks) run while writes are still
// stopped, so that nothing the application writes can make a correct restore look wrong: each
// restored folder holds as many files and bytes as the archive, each restored database has the
// row counts recorded at dump time and its own properties as the restore set them
// (db-properties.ts). The readiness probes (readinessChecks: the host's own restore.checks, SQL
// with an expected value, HTTP probes, commands over SSH) run after start_writes, since they ask
// whether the application works again.
import { ENGINE_CONNECTION } from '../config/defaults.js';
import type { DumpEngine, RestoreCheck } from '../config/types.js';
import { getEngine } from '../engines/registry.js';
import { describeError } from '../errors.js';
import { reasonOf } from '../exec/stderr.js';
import { rsyncListTree } from '../tools/rsync/list.js';
import { counted, humanBytes } from '../util/table.js';
import { credentialsToHeader, redactUrls } from '../util/url.js';
import type { PlannedStep, RestorePlan } from './plan.js';
import type { ChecklistItem } from './readiness-verdict.js';
import { rsyncVia, type RestoreContext } from './context.js';
import { databaseExists, databaseLabel, targetRowCounts, targetRunner } from './db-facts.js';
import { propertiesCheck } from './db-properties.js';

const item = (name: string, pass: boolean, figure: string): ChecklistItem => ({ name, status: pass ? 'pass' : 'fail', figure });

/**
 * Regular files under `path` on the target and their bytes (hard links per path), as rsync lists
 * them with the step's excludes: files the restore leaves alone are not counted. Throws.
 */
export async function remoteTreeFigures(ctx: RestoreContext, path: string, exclude: readonly string[] = []): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  const listed = await rsyncListTree(ctx.global, ctx.target, path, exclude, (e) => {
    if (e.type !== '-') return;
    files++;
    bytes += e.size;
  }, { ...rsyncVia(ctx), timeoutMs: 3_600_000 });
  if (listed.missing) return { files: 0, bytes: 0 };
  if (listed.verdict.kind !== 'ok') throw new Error(`listing ${path} on ${ctx.target.name}: ${'reason' in listed.verdict ? listed.verdict.reason : 'failed'}`);
  return { files, bytes };
}

/** The checks of one restored step; never throws (a check that cannot run fails). */
export async function checkStep(ctx: RestoreContext, step: PlannedStep): Promise<ChecklistItem[]> {
  if (step.selection) {
    // Its push compared what it pushed right after (selection-push.ts); without that, nothing was.
    return [{ name: `${step.source}: the paths restored`, status: 'warn', figure: 'not compared: the step did not finish its push' }];
  }
  if (step.mode === 'files') {
    const name = `${step.source}: files at ${step.targetPath}`;
    try {
      const got = await remoteTreeFigures(ctx, step.targetPath, step.exclude);
      const pass = got.files === step.files && got.bytes === step.bytes;
      return [item(name, pass, `${counted(got.files, 'file')}, ${humanBytes(got.bytes)} (${got.bytes} B); archive: ${counted(step.files, 'file')}, ${step.bytes} B`)];
    } catch (e) {
      return [item(name, false, describeError(e))];
    }
  }
  const out: ChecklistItem[] = [];
  for (const db of step.databases) {
    const props = await propertiesCheck(ctx, step.source, db);
    if (props) out.push(props);
    const name = `${step.source}: rows of ${databaseLabel(db.engine, db.database, db.connection)}`;
    const want = db.dump.rowCounts;
    if (!want) {
      // Nothing measured is no pass: a warning naming what was not verified.
      out.push({ name, status: 'warn', figure: 'not verified: no row counts were recorded with the dump, so the rows were not compared' });
      continue;
    }
    try {
      const got = await targetRowCounts(ctx, db.engine, db.connection, db.database);
      const diff = Object.keys(want).filter((t) => got[t] !== want[t]).map((t) => `${t}: ${got[t] ?? 'missing'} != ${want[t]}`);
      // Exactly the dump's tables: one the dump does not have (created since) must be gone.
      diff.push(...Object.keys(got).filter((t) => !(t in want)).map((t) => `${t}: not in the dump`));
      const total = Object.values(want).reduce((a, b) => a + b, 0);
      const figure = diff.length === 0 ? `${Object.keys(want).length} tables, ${total} rows, as at dump time` : `differs: ${diff.slice(0, 5).join('; ')}`;
      out.push(item(name, diff.length === 0, figure));
    } catch (e) {
      out.push(item(name, false, describeError(e)));
    }
  }
  for (const d of step.drops) {
    const name = `${step.source}: ${databaseLabel(d.engine, d.database, d.connection)} dropped`;
    try {
      const exists = await databaseExists(ctx, d.engine, d.connection, d.database);
      out.push(item(name, !exists, exists ? 'still exists' : 'absent, as before the restore'));
    } catch (e) {
      out.push(item(name, false, describeError(e)));
    }
  }
  return out;
}

/** One configured restore check (sql, http or command). */
export async function runConfiguredCheck(ctx: RestoreContext, plan: RestorePlan, check: RestoreCheck): Promise<ChecklistItem> {
  const name = `check "${check.name}"`;
  try {
    if (check.sql) {
      const src = ctx.target.sources.find((s) => s.name === check.sql!.source);
      const planned = plan.steps.find((s) => s.source === check.sql!.source)?.databases[0];
      const engineName = (src?.dump?.engine ?? planned?.engine) as DumpEngine | undefined;
      if (!engineName) return item(name, false, `source ${check.sql.source} has no database engine (no dump: configuration, no dumps restored)`);
      const conn = src?.dump?.connection ?? planned?.connection ?? { ...ENGINE_CONNECTION[engineName] };
      const argv = getEngine(engineName).queryArgv(conn, check.sql.database, check.sql.query);
      const got = (await targetRunner(ctx).run(argv, { reason: 'the query failed' })).trim();
      return item(name, got === check.sql.expect, `returned ${JSON.stringify(got)}, expected ${JSON.stringify(check.sql.expect)}`);
    }
    if (check.http) {
      const req = credentialsToHeader(check.http.url);
      const res = await fetch(req.url, { headers: req.headers, signal: AbortSignal.timeout(check.http.timeoutSeconds * 1000), redirect: 'follow' });
      await res.body?.cancel();
      return item(name, res.status >= 200 && res.status < 300, `${redactUrls(check.http.url)} answered ${res.status}`);
    }
    if (check.command) {
      const r = await ctx.session.exec(check.command, { timeoutMs: 300_000, signal: ctx.signal });
      const last = reasonOf(r);
      return item(name, r.exitCode === 0, `${check.command.join(' ')} exited ${r.exitCode ?? r.signal}${r.exitCode !== 0 && last ? `: ${last}` : ''}`);
    }
    return item(name, false, 'has none of sql, http or command');
  } catch (e) {
    return item(name, false, redactUrls(describeError(e)));
  }
}

/**
 * The data checks of a finished restore (rows against the dump, files against the archive), in plan
 * order; those `begun` already (by source, while later sources were pushed) are awaited, not run again.
 */
export async function dataChecks(ctx: RestoreContext, plan: RestorePlan, begun?: ReadonlyMap<string, Promise<ChecklistItem[]>>): Promise<ChecklistItem[]> {
  const items: ChecklistItem[] = [];
  for (const step of plan.steps) items.push(...(await (begun?.get(step.source) ?? checkStep(ctx, step))));
  return items;
}

/** The host's configured restore.checks (readiness probes), in the order of its file. */
export async function readinessChecks(ctx: RestoreContext, plan: RestorePlan): Promise<ChecklistItem[]> {
  const items: ChecklistItem[] = [];
  for (const c of ctx.target.restore.checks) items.push(await runConfiguredCheck(ctx, plan, c));
  return items;
}
