// Walks the nightly step table for one host: every source through the source steps in order, then
// the host steps; each step gated (its `needs`, its gate, the `stops` of earlier failures), queued
// on its lock, recorded in the catalog and logged the same way, its status folded into the host's.
// Never throws for the host's own failures.
import type { Status } from '../catalog/catalog.js';
import { InternalError } from '../errors.js';
import { withRepository } from '../lock/repo-queue.js';
import { mapPool } from '../util/pool.js';
import { hostRepo, recordStep, type HostContext, type StepOutcome } from '../job/context.js';
import { failedSources, newNight, type NightState } from './state.js';
import { dueTonight, pruneOwed, NIGHTLY_STEPS } from './steps.js';
import type { Edge, Gate, HostStep, NightlyFeatures, NightlyStep, SourceStep } from './step-types.js';

export interface HostRunResult {
  host: string;
  status: Status;
  archive?: string;
  /** Set when the archive is partial (a source failed and was archived with its last good state). */
  partial?: string;
  bytes: number;
  files: number;
  durationMs: number;
  /** People-facing problems (failures and warnings), in order. */
  problems: string[];
  /** Checks that ran, e.g. ['repository', 'archives']. */
  checks: string[];
}

const edgeStep = (e: Edge) => (typeof e === 'string' ? e : e.step);
const edgeGate = (e: Edge): Gate => (typeof e === 'string' ? { run: false, reason: `${e} did not succeed`, silent: true } : { run: false, reason: e.said, silent: false });
/** A status that counts as a row's failure for what it stops. */
const failed = (s: Status | undefined) => s === 'failed' || s === 'interrupted';

/** What is wrong with a table: an edge (`needs`, `stops`) naming no row, or a row before the one naming it. Empty when none. */
export function tableProblems(steps: readonly NightlyStep[]): string[] {
  const at = new Map(steps.map((s, i) => [s.name, i]));
  const problems = steps.length === at.size ? [] : ['two rows have the same name'];
  steps.forEach((row, i) => {
    if (row.scope !== 'host') return;
    for (const e of row.needs ?? []) if (!((at.get(edgeStep(e)) ?? Infinity) < i)) problems.push(`${row.name} needs ${edgeStep(e)}, which is not a row before it`);
    if (row.stops !== 'rest') for (const e of row.stops) if (!((at.get(edgeStep(e)) ?? -1) > i)) problems.push(`${row.name} stops ${edgeStep(e)}, which is not a row after it`);
  });
  return problems;
}

/** Runs the whole nightly job for `ctx.host` by the table `steps` (NIGHTLY_STEPS), calling `features` for the drill and the off-site copy. Throws InternalError only for a table whose edges name no row. */
export async function runNightly(ctx: HostContext, features: NightlyFeatures, steps: readonly NightlyStep[] = NIGHTLY_STEPS): Promise<HostRunResult> {
  const wrong = tableProblems(steps);
  if (wrong.length > 0) throw new InternalError(`the nightly step table is wrong: ${wrong.join('; ')}`);
  const started = Date.now();
  const night = newNight(ctx.host.sources, () => ctx.signal?.aborted === true, ctx.global.offsite.length > 0);
  night.due = dueTonight(ctx);
  night.pruneOwed = pruneOwed(ctx);
  const problems: string[] = [];
  let worst: Status = 'ok';
  let bytes = 0;
  let files = 0;
  const notPulled = new Map<string, string[]>();
  /** Each host row's status tonight (a skipped row: skipped; one that never came up: absent). */
  const outcomes = new Map<string, Status>();
  /** Later host rows that an earlier row's failure stopped, with how the skip is said. */
  const stopped = new Map<string, Gate>();

  const fold = (out: StepOutcome<unknown>, step: NightlyStep, said: string[]) => {
    if (out.status === 'failed') worst = 'failed';
    else if (out.status === 'warning' && worst === 'ok') worst = 'warning';
    if (out.error && (out.status === 'failed' || out.status === 'warning')) said.push(out.error);
    if (step.scope === 'source' && step.transfer) {
      bytes += out.bytes ?? 0;
      files += out.files ?? 0;
    }
  };
  /** One source through the block's rows; its problems in `said` (sources may run at once: joined in source order). */
  const runSource = async (block: readonly SourceStep[], s: NightState['sources'][number], said: string[]) => {
    for (const step of block) {
      if (!step.applies(s.source)) continue;
      // A failed source's `good` rows, and a good source's `failed` rows, are not its rows tonight.
      if ((s.status === 'failed') !== (step.for === 'failed')) continue;
      const gate = step.gate(night, s);
      const out = await execute(step, gate, s.source.name, () => step.run(ctx, night, s, features), said);
      if (step.stops !== 'source') continue;
      // A source skipped for a reason (host unreachable) was not backed up tonight: it failed.
      if (!gate.run && !gate.silent) {
        s.status = 'failed';
        s.failedAt = { step: step.name, error: gate.reason };
        worst = 'failed';
      } else if (out?.status === 'failed') {
        s.status = 'failed';
        s.failedAt = { step: step.name, error: out.error ?? 'failed' };
      } else if (out?.status === 'warning' && s.status === 'ok') s.status = 'warning';
    }
  };
  /** A host row's verdict: its first unmet need, else its gate, else the stop an earlier failure put on it. */
  const hostGate = (row: HostStep): Gate => {
    const unmet = (row.needs ?? []).find((e) => {
      const status = outcomes.get(edgeStep(e));
      return status !== 'ok' && status !== 'warning';
    });
    if (unmet !== undefined) return edgeGate(unmet);
    const gate = row.gate(night);
    return gate.run ? (stopped.get(row.name) ?? gate) : gate;
  };
  const runHost = async (row: HostStep) => {
    const out = await execute(row, hostGate(row), undefined, () => row.run(ctx, night, features));
    outcomes.set(row.name, out?.status ?? 'skipped');
    if (failed(out?.status) && row.stops !== 'rest') for (const e of row.stops) if (!stopped.has(edgeStep(e))) stopped.set(edgeStep(e), edgeGate(e));
    return out;
  };
  const execute = async (step: NightlyStep, gate: Gate, source: string | undefined, fn: () => Promise<StepOutcome<unknown>>, said: string[] = problems) => {
    if (!gate.run) {
      if (gate.silent) return undefined;
      const out = await recordStep(ctx, step.name, source, async () => ({ status: 'skipped' as const, error: source ? `skipped: ${gate.reason}` : gate.reason }));
      // Sources skipped for one reason are named together after the sources (one line, not one each).
      if (source) notPulled.set(gate.reason, [...(notPulled.get(gate.reason) ?? []), source]);
      else problems.push(gate.reason);
      return out;
    }
    // The step is recorded as started once it holds its lock: its times are the work's, not the wait's.
    const record = () => (step.recordsItself ? fn() : recordStep(ctx, step.name, source, fn));
    const out = step.lock === 'repository' ? await withRepository(hostRepo(ctx), record) : await record();
    fold(out, step, said);
    return out;
  };

  // The table in order: host rows where they stand, each run of source rows for every source;
  // a background host row alongside the rows after it, joined before the next host row that is
  // not itself `alongside`.
  let halted = false;
  // The background rows run one after the other (each gated when its turn comes: compact sees the
  // prune's outcome), the chain alongside the foreground rows.
  let background: Promise<unknown> = Promise.resolve();
  for (let i = 0; i < steps.length && !halted; ) {
    const row = steps[i]!;
    if (row.scope === 'host' && row.background) {
      background = background.then(() => runHost(row));
      i++;
      continue;
    }
    if (row.scope === 'host') {
      if (!row.alongside) await background;
      const out = await runHost(row);
      // `stops: 'rest'`: every later row is left, unrecorded (background rows already queued end first).
      if (row.stops === 'rest' && failed(out?.status)) halted = true;
      i++;
      continue;
    }
    let end = i;
    while (end < steps.length && steps[end]!.scope === 'source') end++;
    const block = steps.slice(i, end) as SourceStep[];
    // Several sources at once while the night's shared connection is up (the host answered); without
    // it one by one, so an unreachable host is found by the first source and the others skipped.
    const atOnce = ctx.sshMux ? Math.max(1, ctx.global.sourceConcurrency) : 1;
    const said = night.sources.map(() => [] as string[]);
    await mapPool(night.sources, atOnce, (s, k) => runSource(block, s, said[k]!));
    problems.push(...said.flat());
    for (const [reason, names] of notPulled) problems.push(`not pulled (${reason}): ${[...new Set(names)].join(', ')}`);
    notPulled.clear();
    i = end;
  }
  await background;

  return {
    host: ctx.host.name,
    status: night.aborted() ? 'interrupted' : worst,
    archive: night.archive?.archive,
    partial: night.archive && failedSources(night).length > 0 ? night.archive.manifest.partial?.comment : undefined,
    bytes,
    files,
    durationMs: Date.now() - started,
    problems,
    checks: night.checks,
  };
}

export type { NightState };
