// The shape of a nightly step table (NIGHTLY_STEPS in steps.ts) and of what the night is given:
// each row's scope, gate, lock, and what its failure stops (`stops`, `needs`, a source row's
// `for`), which runner.ts enforces.
import type { Status } from '../catalog/catalog.js';
import type { SourceConfig } from '../config/types.js';
import type { ArchiveResult } from '../archive/create.js';
import type { DumpRecord } from '../archive/manifest.js';
import type { HostContext, StepOutcome } from '../job/context.js';
import type { NightState, SourceState } from './state.js';

/** A gate's verdict: run, or skip (recorded as a skipped step with the reason, unless `silent`). */
export type Gate = { run: true } | { run: false; reason: string; silent?: boolean };

/** What the off-site copy is given: tonight's archive, the sources it holds, and its partial comment. */
export interface OffsiteSource {
  archive: ArchiveResult;
  included: string[];
  comment?: string;
}

/**
 * The features the night calls, composed by whoever runs it (commands/run.ts). Both are required:
 * a night without its drill or its off-site copy does not type-check.
 */
export interface NightlyFeatures {
  /** Runs a drill of the host, recording its own 'drill' step; its status and, when it did not pass, why. */
  drill: (ctx: HostContext) => Promise<{ status: Status; error?: string }>;
  /** Copies the host's repository to every off-site target whose gate opens; `checkTonight` is this night's check status, if one ran. */
  offsite: (ctx: HostContext, src: OffsiteSource, checkTonight: Status | undefined) => Promise<StepOutcome<unknown>>;
  /**
   * Takes, verifies and records a point-in-time recovery source's base backup into the mirror's
   * `.pitr/<source>/` (the archive holds it); for MariaDB/MySQL, tonight's verified `dumps` are the
   * starting point and the received binary logs go there.
   */
  baseBackup: (ctx: HostContext, source: SourceConfig, dumps: readonly DumpRecord[]) => Promise<StepOutcome<unknown>>;
}

/**
 * A later row that a row's failure (`stops`) or its missing success (`needs`) skips; with `said`,
 * the skip is recorded with that reason and said in the summary, else it is silent (not recorded).
 */
export type Edge<N extends string = string> = N | { step: N; said: string };

interface Common<N extends string> {
  /** The step name recorded in the catalog (`steps.step`). */
  name: N;
  /** The step records its own catalog step (the drill hook does): the runner only folds its status. */
  recordsItself?: boolean;
  /** `repository`: queued so one writer at a time touches a repository (hosts may share one). */
  lock: 'none' | 'repository';
}

export interface SourceStep<N extends string = string> extends Common<N> {
  scope: 'source';
  /** Whether the row exists for this source at all (not recorded when false). */
  applies: (s: SourceConfig) => boolean;
  /**
   * Which sources it runs for: `good` ones (no earlier row of the source failed) or `failed` ones
   * only (keep_last_good); the other kind skips it silently.
   */
  for: 'good' | 'failed';
  /**
   * What its failure stops: `source`, the source (it is failed: its later `good` rows are skipped,
   * its `failed` rows run); `nothing`, the source stays as it was (the failure is still said).
   */
  stops: 'source' | 'nothing';
  /** Its bytes and files are the night's transfer (the summary's PULLED and FILES). */
  transfer?: boolean;
  gate: (night: NightState, s: SourceState) => Gate;
  run: (ctx: HostContext, night: NightState, s: SourceState, features: NightlyFeatures) => Promise<StepOutcome<unknown>>;
}

export interface HostStep<N extends string = string> extends Common<N> {
  scope: 'host';
  /**
   * A host row that runs alongside the source rows after it (it needs nothing they produce); the
   * runner joins it before the next host row, so every later gate sees its outcome.
   */
  background?: boolean;
  /**
   * A host row that needs nothing the background rows produce (it does not touch the repository):
   * it runs while they go on, instead of joining them first.
   */
  alongside?: boolean;
  /** Earlier rows that must have succeeded (ok or warning) tonight: when one failed, was skipped or did not run, this row is skipped. */
  needs?: readonly Edge<N>[];
  /**
   * What its failure stops: `rest`, every later row (not recorded); else the named later rows
   * (besides the rows that `need` it, which its failure skips too).
   */
  stops: 'rest' | readonly Edge<N>[];
  /** Checked after `needs` and before `stops`: a row with nothing to do tonight is skipped as its gate says. */
  gate: (night: NightState) => Gate;
  run: (ctx: HostContext, night: NightState, features: NightlyFeatures) => Promise<StepOutcome<unknown>>;
}

export type NightlyStep<N extends string = string> = SourceStep<N> | HostStep<N>;

/** The rows of NIGHTLY_STEPS, so an edge naming no row is a type error. */
export type NightlyStepName =
  | 'repository' | 'compare_archives' | 'prune' | 'compact' | 'check_repository' | 'create_repository' | 'connect'
  | 'dump' | 'pull' | 'dump_times' | 'verify' | 'base_backup' | 'keep_last_good'
  | 'archive' | 'schedule_prune' | 'check' | 'offsite' | 'drill' | 'index' | 'repository_size';
