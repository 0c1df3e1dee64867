// The drill as one table of steps (DRILL_STEPS), and the one runner that walks it (runSteps). A row
// runs when no earlier failure stopped it and its gate (`when`) lets it; a row that throws is the
// drill's failure and stops exactly the rows its `stops` names (the runner skips them). Rows fill
// the drill's DrillRun and DrillResult; none decides the verdict, which drill-host.ts computes from
// the result at the end. Where each row's work is: sample.ts (which files and dumps are drilled),
// files.ts (extracting and comparing them), databases.ts (restoring the dumps); the three short
// rows below open the repository, pick the archive and hand the dumps to the databases.
import { JobError } from '../errors.js';
import { missingArchiveMessage } from '../archive/facts.js';
import { openRepo } from '../archive/repo-identity.js';
import { openDamage } from '../catalog/check-damage.js';
import { nightlyGlob } from '../tools/borg/flags.js';
import { listArchives } from '../tools/borg/list.js';
import { mkdirSync } from 'node:fs';
import { pickArchive } from './archive-choice.js';
import { drillDatabases, type DatabaseDrillResult } from './databases.js';
import { compareWithOrigin, extractSample } from './files.js';
import { drillPitr, pitrSources } from './pitr.js';
import { chooseSample, dumpsToRestore } from './sample.js';
import type { DrillRun } from './state.js';

/** One row of a step table: its name, its gate, what its failure stops, and its work. */
export interface Step<S, N extends string = string> {
  name: N;
  /** The gate: the row runs only when this holds of the state as the earlier rows left it (absent: always). */
  when?: (s: S) => boolean;
  /** The rows a failure of this one stops: the runner skips them (the others still run). */
  stops: readonly N[];
  run: (s: S) => Promise<void>;
}

export type DrillStepName = 'repository' | 'archive' | 'sample' | 'extract' | 'compare' | 'databases' | 'pitr';

/**
 * The drill, in order (drill-host.ts runs it). A failure of the file rows ends them: nothing after it
 * can be checked without it; the PITR drill needs only the repository (its base backups and WAL are
 * not the sampled archive's).
 */
export const DRILL_STEPS: readonly Step<DrillRun, DrillStepName>[] = [
  // Nothing recorded: a missing or swapped repository is refused, nothing created.
  { name: 'repository', stops: ['archive', 'sample', 'extract', 'compare', 'databases', 'pitr'], run: openRepository },
  // The drill's archive.
  { name: 'archive', stops: ['sample', 'extract', 'compare', 'databases'], run: chooseArchive },
  // The archive's manifest; the sampled paths (random files from archive metadata, then every dump).
  { name: 'sample', stops: ['extract', 'compare', 'databases'], run: chooseSample },
  // Files and bytes restored; damaged chunks as mismatches.
  { name: 'extract', stops: ['compare', 'databases'], run: extractSample },
  // Matches, mismatches, changed and missing-on-origin files (content, size, ACLs and xattrs).
  { name: 'compare', stops: ['databases'], run: compareWithOrigin },
  // Each dump restored into a scratch database, its row counts against the dump.
  { name: 'databases', when: (d) => d.dumpTargets.length > 0, stops: [], run: restoreDumps },
  // Each PostgreSQL source with pitr: recovered to a point of its window in a scratch cluster, measured (pitr.ts).
  { name: 'pitr', when: (d) => pitrSources(d.ctx.host.sources).length > 0, stops: [], run: drillPitr },
];

export type StepStatus = 'ok' | 'failed' | 'skipped' | 'stopped' | 'interrupted';

export interface StepsOutcome<N extends string> {
  /** Every row's fate, in the table's order: ran (ok, failed), gated out (skipped), stopped by a failure, or not reached (interrupted). */
  steps: Array<{ name: N; status: StepStatus; error?: unknown }>;
  /** The rows that failed, in order, with what they threw. */
  failures: Array<{ name: N; error: unknown }>;
}

/**
 * Walks `rows` in order over `state`: a row stopped by an earlier failure or shut by its gate is
 * skipped, one that throws is recorded with its error and stops what its `stops` names; once
 * `interrupted()` holds nothing more runs. Never throws for a row's failure.
 */
export async function runSteps<S, N extends string>(rows: readonly Step<S, N>[], state: S, interrupted: () => boolean = () => false): Promise<StepsOutcome<N>> {
  const out: StepsOutcome<N> = { steps: [], failures: [] };
  const stopped = new Set<N>();
  for (const row of rows) {
    if (interrupted()) out.steps.push({ name: row.name, status: 'interrupted' });
    else if (stopped.has(row.name)) out.steps.push({ name: row.name, status: 'stopped' });
    else if (row.when && !row.when(state)) out.steps.push({ name: row.name, status: 'skipped' });
    else {
      try {
        await row.run(state);
        out.steps.push({ name: row.name, status: 'ok' });
      } catch (error) {
        out.steps.push({ name: row.name, status: 'failed', error });
        out.failures.push({ name: row.name, error });
        for (const n of row.stops) stopped.add(n);
      }
    }
  }
  return out;
}

async function openRepository(d: DrillRun): Promise<void> {
  await openRepo(d.borg, d.ctx.catalog, d.r.repository, d.ctx.host.name, 'read'); // missing or swapped: JobError, nothing created
  // A sample that reads back proves nothing about a repository with an unresolved failed check: the
  // damage can be anywhere outside the sample, so the drill fails and says what to do (issue 22).
  const damage = openDamage(d.ctx.catalog, d.r.repository, d.ctx.host.name);
  if (damage.length > 0) {
    const what = damage.map((x) => `${x.kind.replaceAll('+', ', ')} check failed ${x.failedAt}`).join('; ');
    throw new JobError(`the repository ${d.r.repository} has an unresolved failed check (${what}): a drill of a sample cannot vouch for it; repair it with pullback check --repair --host ${d.ctx.host.name} (docs/operations.md, "Repairing a damaged repository"), then drill again`);
  }
}

async function chooseArchive(d: DrillRun): Promise<void> {
  const { ctx, opts, r, borg } = d;
  const glob = opts.archive.kind === 'named' ? undefined : nightlyGlob(ctx.host.name);
  const names = (await listArchives(borg, r.repository, glob)).map((a) => a.name);
  const archive = pickArchive(names, opts.archive, d.rand);
  if (archive === undefined) {
    if (opts.archive.kind !== 'named') throw new JobError(`no archive of ${ctx.host.name} in ${r.repository} to drill`);
    const nightly = (await listArchives(borg, r.repository, nightlyGlob(ctx.host.name))).map((a) => a.name);
    throw new JobError(missingArchiveMessage(opts.archive.name, r.repository, ctx.host.name, nightly));
  }
  d.archive = r.archive = archive;
  mkdirSync(d.scratch, { recursive: true });
}

/** Restores each sampled dump that came back intact into a scratch database; the others fail as databases. */
async function restoreDumps(d: DrillRun): Promise<void> {
  const { ctx, r } = d;
  const { restore, failed } = dumpsToRestore(d.dumpTargets, d.results, d.scratch);
  r.databases = [
    ...failed.map((t): DatabaseDrillResult => ({ path: t.path, engine: t.dump!.record.engine, database: t.dump!.record.database, status: 'failed', error: 'the dump file itself did not restore intact', tables: [], checks: [] })),
    ...(await drillDatabases(ctx, restore, r.drillId)),
  ];
  for (const x of r.databases) if (x.status === 'skipped') r.warnings.push(`database dump ${x.path} not restored: ${x.error ?? 'skipped'}`);
  for (const x of r.databases) if (x.status === 'unverified') r.warnings.push(`database dump ${x.path} not verified: ${x.error ?? 'nothing compared'}`);
}
