// What a drill is asked (DrillOptions), what it gives back (DrillResult), and what its rows share
// as they go (DrillRun): the table's rows read and fill one DrillRun, in the order of DRILL_STEPS.
import type { ArchiveChoice } from './archive-choice.js';
import type { DatabaseDrillResult } from './databases.js';
import type { PitrDrillResult, PitrRecovery } from './pitr-result.js';
import { seededRandom } from './random.js';
import type { DrillProblem } from './record.js';
import type { DrillCounts, DrillStatus, FileResult, MissingOnOrigin } from './verdict.js';
import type { DumpRecord, Manifest } from '../archive/manifest.js';
import { borgContext, type HostContext } from '../job/context.js';

export interface SampleRequest {
  /** Files to sample (--sample N). */
  sample?: number;
  /** Percentage of the archive's regular files to sample (--percent P). */
  percent?: number;
}

export interface DrillOptions {
  archive: ArchiveChoice;
  sample: SampleRequest;
  seed: string;
  /** The point every PITR source is recovered to (--at); else one drawn inside each window with the seed. */
  pitrAt?: Date;
  /** Point-in-time recovery, handed over by the command (absent: PITR sources are unverified). */
  pitr?: PitrRecovery;
  /** Why this drill does not drill point-in-time recovery at all (a drill of an off-site copy): a warning, not a PITR drill. */
  pitrNotDrilled?: string;
}

export interface DrillResult {
  drillId: number;
  host: string;
  repository: string;
  archive?: string;
  seed: string;
  status: DrillStatus;
  counts: DrillCounts;
  /** Why the drill verified nothing (status 'unverified'): it sampled nothing, or no sampled file could be compared. */
  unverified?: string;
  /** Archive paths sampled (the random files, then the dumps). */
  sampled: string[];
  /** Regular files actually present in the scratch directory after extraction. */
  extracted: number;
  bytesRestored: number;
  mismatches: DrillProblem[];
  changed: DrillProblem[];
  /** Sampled files gone from the origin: counted and listed; a warning past drill.max_missing of the sample. */
  missingOnOrigin?: MissingOnOrigin;
  databases: DatabaseDrillResult[];
  /** One PITR drill per PostgreSQL source with pitr: (drill/pitr.ts). */
  pitr: PitrDrillResult[];
  /** Things that went unchecked (origin unreachable, ...): a warning, not a failure. */
  warnings: string[];
  error?: string;
  durationMs: number;
}

/** A dump the manifest names: its source and what was recorded of it. */
export interface SampledDump {
  source: string;
  record: DumpRecord;
}

/** One sampled archive path. */
export interface Target {
  path: string;
  /** borg's record of the size, from the hash listing (NaN for a file borg has no record of). */
  size: number;
  /** borg's record of the mtime, from the hash listing (the candidate listing leaves times out: they cost borg a third of its walk). */
  mtime?: string;
  dump?: SampledDump;
}

/** Where the sample was chosen from, and among how many candidate files. */
export interface SampleFacts {
  from: 'archive' | 'mirror';
  candidates?: number;
}

/** What the drill's rows share as it goes. */
export interface DrillRun {
  sample: SampleFacts;
  ctx: HostContext;
  /** Progress for people: `n` of the `of` sampled files hashed, then compared. */
  onVerified?: (n: number, of: number, what: string) => void;
  opts: DrillOptions;
  scratch: string;
  r: DrillResult;
  borg: ReturnType<typeof borgContext>;
  rand: () => number;
  /** The reservoir's salt: one draw of the drill's seeded generator, the same for every listing of this drill. */
  salt?: number;
  archive?: string;
  manifest?: Manifest;
  /** The manifest is the catalog's record (or the mirror's copy): the archive's own is extracted with the sample and checked against it. */
  manifestToCheck?: boolean;
  /** The sample was chosen from the mirror: each sampled file's size and mtime there, checked against borg's record after the extraction. */
  fromMirror?: Map<string, { size: number; mtimeSeconds: number }>;
  /** The dumps the manifest names, by their path in the archive. */
  dumps: Map<string, SampledDump>;
  targets: Target[];
  dumpTargets: Target[];
  missingDumps: string[];
  damaged: Map<string, string>;
  borgSha256: Map<string, string>;
  restored: Map<string, string>;
  results: FileResult[];
}

/** A drill run at its start: nothing chosen, nothing extracted. */
export function newDrillRun(ctx: HostContext, opts: DrillOptions, scratch: string, r: DrillResult, sample: SampleFacts): DrillRun {
  return {
    sample, ctx, opts, scratch, r, borg: borgContext(ctx), rand: seededRandom(opts.seed, ctx.host.name),
    dumps: new Map(), targets: [], dumpTargets: [], missingDumps: [], damaged: new Map(), borgSha256: new Map(), restored: new Map(), results: [],
  };
}
