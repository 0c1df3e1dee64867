// The walker of a restore's step table (steps.ts): every step of every row is planned in the catalog
// (pending) before the first runs, then the rows run in order, each by the same rules: its gate
// (`always`, else only while nothing stopped the restore), its waves (a wave's steps at once), what
// its failure stops (`stops`), what a signal does to it (`signal`), and the same recording, progress,
// step line and warnings for every step. A step that does not run is ended `skipped` with the reason:
// no step stays pending.
import type { Catalog } from '../catalog/catalog.js';
import { describeError } from '../errors.js';
import type { Progress, ProgressTask } from '../progress/progress.js';
import type { RestoreContext, RestoreStepResult } from './context.js';
import type { PlannedStep, RestorePlan } from './plan.js';
import type { ChecklistItem } from './readiness-verdict.js';
import type { RestoreRecorder } from './record.js';
import type { SnapshotResult } from './snapshot.js';
import type { Staging } from './staging.js';

export interface ExecuteOptions {
  /** Take a safety snapshot first (false for rollbacks). */
  snapshot: boolean;
  /** Run the host's restore.checks (false for rollbacks: the state before a restore need not pass them). */
  configuredChecks: boolean;
  catalog: Catalog;
  recorder: Pick<RestoreRecorder, 'plan' | 'begin' | 'end' | 'setSnapshot'>;
  /** Called with each finished step, for people watching. */
  onStep?: (line: StepLine) => void;
  /** Called with each finished phase of checks (data checks, then readiness probes), for people watching. */
  onChecks?: (phase: CheckPhase, items: ChecklistItem[]) => void;
  /** A bar showing step n of m while the restore runs. */
  progress?: Progress;
  /** The folder sources already being extracted (begun with the readiness checklist; the caller disposes of it); else begun here. */
  staging?: Staging;
}

/** `verify`: the data checks, before writes resume; `checks`: the readiness probes, after. */
export type CheckPhase = 'verify' | 'checks';

export interface StepLine {
  kind: string;
  source?: string;
  status: 'ok' | 'warning' | 'failed' | 'skipped' | 'interrupted';
  detail?: string;
}

export interface ExecuteResult {
  status: 'ok' | 'failed' | 'interrupted';
  snapshot?: SnapshotResult;
  /** Sources restored completely, in order. */
  restored: string[];
  /** The step that failed or was interrupted; `changed` as its result says (false: it left the target as it was). */
  stoppedAt?: { kind: string; source?: string; error: string; changed?: boolean | 'possibly' };
  /** Sources not touched at all. */
  untouched: string[];
  /** Sources of the archive that `--only` left out (untouched too, by choice). */
  notSelected: string[];
  /** The data checks (rows against the dump, files against the archive), made before writes resumed. */
  verified: ChecklistItem[];
  /** The readiness probes (restore.checks), made after writes resumed. */
  checks: ChecklistItem[];
  /** Steps that ended with a warning, as `kind source: detail`. */
  warnings: string[];
  startWrites?: StepLine;
}

/** What the rows of one restore read and write while it runs. */
export interface RestoreRun {
  ctx: RestoreContext;
  plan: RestorePlan;
  opts: ExecuteOptions;
  staging: Staging;
  result: ExecuteResult;
  /** The data checks begun as soon as their source was restored (by source), while the next sources are pushed; the verify row collects them. */
  checked?: Map<string, Promise<ChecklistItem[]>>;
}

/** One row of the restore table: when it runs, what it runs, what its failure stops. */
export interface RestoreRow {
  kind: 'stop_writes' | 'snapshot' | 'sources' | 'verify' | 'start_writes' | 'checks';
  /** Gate: runs whatever happened before it (start_writes: the application must come back either way). */
  always?: true;
  /** Gate: whether the row is part of this restore at all (no snapshot for a rollback); decided before anything runs. */
  applies: (r: RestoreRun) => boolean;
  /**
   * What a failure of one of its steps stops. `rest`: every later step that is not `always`, the
   * later waves of its own row included (a wave already running ends first); they are recorded
   * skipped. `nothing`: the restore fails, every later step still runs.
   */
  stops: 'rest' | 'nothing';
  /**
   * What an interrupt signal does to it. `interrupts`: a step that did not end ok after the signal is
   * recorded interrupted (its run takes the signal); `between-waves`: as `interrupts`, and no wave
   * starts after the signal (the restore ends interrupted, the rest is skipped); `ignored`: recorded
   * as it ended (start_writes must try every command; the checks say what they found).
   */
  signal: 'interrupts' | 'between-waves' | 'ignored';
  /** One catalog step per planned source, in waves run one after the other (a wave's steps at once); absent: one step of the row's own kind. */
  waves?: (r: RestoreRun) => PlannedStep[][];
  /** A row of checks: its result's value is its checklist, kept in the result and shown by onChecks after its line; its warnings are that list's, not the restore's. */
  checklist?: CheckPhase;
  /** The step's body (`source`: the planned source, for a row with waves). A throw is a failed step. */
  run: (r: RestoreRun, source?: PlannedStep) => Promise<RestoreStepResult>;
}

/** One catalog step of a row: the row itself, or one of its sources. */
interface Unit {
  id: number;
  kind: string;
  source?: PlannedStep;
}

/**
 * Walks `rows` over the restore `r` (its result filled in and returned); never throws for a step's
 * own failure (it is in the result and the catalog).
 */
export async function runRestoreRows(rows: readonly RestoreRow[], r: RestoreRun, bar?: ProgressTask): Promise<ExecuteResult> {
  const { opts, result } = r;
  const rec = opts.recorder;
  // Every step is in the catalog as pending before the first one runs, so an interruption shows what was left.
  const walk = rows
    .filter((row) => row.applies(r))
    .map((row) => {
      const waves: Array<Array<PlannedStep | undefined>> = row.waves ? row.waves(r) : [[undefined]];
      return { row, waves: waves.map((wave) => wave.map((s): Unit => ({ id: rec.plan(s?.kind ?? row.kind, s?.source), kind: s?.kind ?? row.kind, source: s }))) };
    });
  const total = walk.reduce((n, w) => n + w.waves.flat().length, 0);
  const interrupted = () => r.ctx.signal?.aborted === true;
  let stopped = false;
  let stepNo = 0;

  const skip = (wave: Unit[]) => {
    const at = result.stoppedAt;
    const why = at?.kind === 'restore' ? at.error : `the restore stopped at ${at ? `${at.kind}${at.source ? ` ${at.source}` : ''}` : 'an earlier step'}`;
    for (const u of wave) rec.end(u.id, 'skipped', `not run: ${why}`);
  };

  /** Runs one step; true when it ended ok or with a warning. */
  const runUnit = async (row: RestoreRow, u: Unit): Promise<boolean> => {
    const source = u.source?.source;
    rec.begin(u.id);
    stepNo++;
    bar?.update(stepNo, total, `step ${stepNo} of ${total}: ${u.kind}${source ? ` ${source}` : ''}`);
    if (source !== undefined) result.untouched = result.untouched.filter((n) => n !== source);
    let out: RestoreStepResult;
    try {
      out = await row.run(r, u.source);
    } catch (e) {
      out = { status: 'failed', error: describeError(e) };
    }
    const status = out.status !== 'ok' && row.signal !== 'ignored' && interrupted() ? 'interrupted' : out.status;
    rec.end(u.id, status, out.error, out.details);
    opts.onStep?.({ kind: u.kind, source, status, detail: out.error ?? out.summary });
    if (row.checklist) {
      const items = (out.value as ChecklistItem[] | undefined) ?? [];
      if (row.checklist === 'verify') result.verified = items;
      else result.checks = items;
      opts.onChecks?.(row.checklist, items);
    } else if (status === 'warning') result.warnings.push(`${u.kind}${source ? ` ${source}` : ''}: ${out.error ?? out.summary ?? 'warning'}`);
    if (status === 'ok' || status === 'warning') return true;
    // An interrupted restore stays interrupted whatever fails after (start_writes runs after a signal).
    result.status = status === 'interrupted' || result.status === 'interrupted' ? 'interrupted' : 'failed';
    // The first failure is where the restore stopped (two pushes of one wave may both fail).
    result.stoppedAt ??= { kind: u.kind, source, error: out.error ?? status, changed: out.changed };
    if (source !== undefined && out.changed === false) result.untouched.unshift(source);
    return false;
  };

  /** For a row heeding the signal between waves: a signal stops the restore here. */
  const heedSignal = (row: RestoreRow) => {
    if (row.signal !== 'between-waves' || stopped || !interrupted()) return;
    result.status = 'interrupted';
    result.stoppedAt ??= { kind: 'restore', error: 'interrupted by a signal' };
    stopped = true;
  };

  for (const { row, waves } of walk) {
    for (const wave of waves) {
      heedSignal(row);
      if (stopped && !row.always) {
        skip(wave);
        continue;
      }
      const oks = await Promise.all(wave.map((u) => runUnit(row, u)));
      wave.forEach((u, i) => oks[i] && u.source && result.restored.push(u.source.source));
      if (row.stops === 'rest' && oks.includes(false)) stopped = true;
    }
    heedSignal(row);
  }
  return result;
}
