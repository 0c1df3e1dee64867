// Everything a restore pushes, extracted ahead: the folder sources and the database dumps, in one
// `borg extract` (one walk of the archive's items). Extracting reads only the archive, so it runs
// as soon as the readiness checklist's archive check is done (borg check holds the repository's
// lock), beside the rest of the checklist; the checklist then waits for it, so every chunk pushed
// has been read and verified before the confirmation and stop_writes, and an unreadable one stops
// the restore with nothing changed. Each source's step then only pushes. Taken only when the
// backup host's disk holds the staged sources and the snapshot at once; otherwise the checklist
// reads every chunk with `borg extract --dry-run` and each step extracts its own source as before.
// A refused checklist, a dry run or a cancel stops it and removes what it extracted.
import { existsSync, mkdirSync, readdirSync, rmSync, statfsSync } from 'node:fs';
import { isGone } from '../util/process-identity.js';
import { dirname, join } from 'node:path';
import { describeError } from '../errors.js';
import type { PlannedStep, RestorePlan } from './plan.js';
import type { ArchivePaths } from '../tools/borg/flags.js';
import { extractArchive } from '../tools/borg/extract.js';
import { selectionArchivePaths } from './selection.js';
import type { RestoreContext } from './context.js';

/** Room kept free on the backup host beyond the staged sources and the snapshot (borg's own files, logs). */
const LOCAL_RESERVE_BYTES = 1024 ** 3;

export interface Staging {
  /** The sources being extracted ahead, folders and dumps (empty: each step extracts its own). */
  readonly ahead: readonly string[];
  /** Where source `source` is (or will be) once extracted ahead. */
  dirOf(source: string): string;
  /** Resolves true once the early extraction has put every source ahead in place, false if it failed. */
  settled(): Promise<boolean>;
  /** Why the extraction failed (once settled false), or why there was none. */
  error(): string | undefined;
  /** How long the extraction took, in ms (once settled true; undefined before, or without one): every chunk pushed read and verified. */
  took(): number | undefined;
  /** Stops an extraction still running and waits for borg to exit; removes what it extracted. */
  dispose(): Promise<void>;
  /** How what it holds was read back, when not extracted from the archive (dumps made now: restore --at); the checklist says it instead. */
  readBackBy?: string;
}

/** Why sources are not extracted ahead (`bytes`: what they hold, by default the plan's figures), or undefined when they are. */
export function stageAheadRefusal(plan: RestorePlan, freeBytes: number | undefined, bytes = plan.steps.reduce((n, s) => n + s.bytes, 0)): string | undefined {
  if (plan.steps.length === 0) return 'nothing to restore';
  if (freeBytes === undefined) return 'free space unknown';
  // The snapshot of the target (about the size of what is restored) and the staged sources together.
  const need = 2 * bytes * 1.1 + LOCAL_RESERVE_BYTES;
  return freeBytes < need ? `${freeBytes} bytes free on the backup host, ${Math.ceil(need)} needed to stage every source beside the snapshot` : undefined;
}

/** The dump files of a database source, as archive paths. */
export function dumpPaths(step: PlannedStep): string[] {
  return [...(step.globals ? [step.globals.dump.file] : []), ...step.databases.map((d) => d.dump.file)].map((f) => `${step.source}/${f}`);
}

/** Exactly what the plan pushes, as archive paths: its folder sources whole (a granular step's selected paths), its database sources' dump files. */
export function restoredPaths(plan: RestorePlan): ArchivePaths {
  const prefix: string[] = [];
  const exact: string[] = [];
  for (const s of plan.steps) {
    if (s.selection) {
      const p = selectionArchivePaths(s.source, s.selection);
      prefix.push(...p.prefix);
      exact.push(...p.exact);
    } else if (s.mode === 'files') prefix.push(s.source);
    else exact.push(...dumpPaths(s));
  }
  return { prefix, exact };
}

/** True when `paths` names nothing (to borg, no path means the whole archive). */
export function nothingIn(paths: ArchivePaths): boolean {
  return ('prefix' in paths ? paths.prefix.length : 0) + ('exact' in paths ? paths.exact.length : 0) === 0;
}

/** No extraction ahead (`why`): each step extracts its own source. */
export function stageAtEachStep(why = 'not staged'): Staging {
  return { ahead: [], dirOf: () => '', settled: async () => false, error: () => why, took: () => undefined, dispose: async () => undefined };
}

/** No extraction ahead: each step extracts its own source. */
export const STAGE_AT_EACH_STEP: Staging = stageAtEachStep();

/**
 * Begins extracting everything the plan pushes into `dir` (created; a folder of the restore's own)
 * when there is room for `bytes` (by default the plan's figures); never throws.
 */
export function beginStaging(ctx: Pick<RestoreContext, 'borg' | 'repository' | 'archive' | 'logger' | 'signal'>, plan: RestorePlan, dir: string, bytes?: number): Staging {
  const ahead = plan.steps.map((s) => s.source);
  const refusal = stageAheadRefusal(plan, freeBytesAt(dirname(dir)), bytes);
  if (refusal) {
    ctx.logger.debug({ reason: refusal }, 'restore: each source is extracted at its step');
    return stageAtEachStep(refusal);
  }
  let failure: string | undefined;
  let tookMs: number | undefined;
  const stop = new AbortController();
  const onOuter = () => stop.abort();
  ctx.signal?.addEventListener('abort', onOuter, { once: true });
  const extraction = (async () => {
    const started = Date.now();
    try {
      rmSync(dir, { recursive: true, force: true });
      const paths = restoredPaths(plan);
      // No path at all would be the whole archive: a plan of database drops alone extracts nothing.
      if (!nothingIn(paths)) await extractArchive({ ...ctx.borg, signal: stop.signal }, ctx.repository, ctx.archive, dir, paths);
      for (const s of ahead) if (!existsSync(join(dir, s))) mkdirSync(join(dir, s), { recursive: true });
      tookMs = Date.now() - started;
      return true;
    } catch (e) {
      failure = stop.signal.aborted ? 'stopped' : describeError(e);
      if (!stop.signal.aborted) ctx.logger.warn({ err: failure }, 'restore: extracting the sources ahead failed');
      rmSync(dir, { recursive: true, force: true });
      return false;
    } finally {
      ctx.signal?.removeEventListener('abort', onOuter);
    }
  })();
  return {
    ahead,
    dirOf: (source) => join(dir, source),
    settled: () => extraction,
    error: () => failure,
    took: () => tookMs,
    dispose: async () => {
      stop.abort();
      await extraction;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The staging folder of this process under `parent` (`stage-<pid>`), after removing those of
 * processes that are gone (a restore killed with SIGKILL cannot remove its own).
 */
export function stagingDir(parent: string): string {
  try {
    for (const name of readdirSync(parent)) {
      const m = /^stage-(\d+)$/.exec(name);
      if (m && Number(m[1]) !== process.pid && isGone({ pid: Number(m[1]) })) rmSync(join(parent, name), { recursive: true, force: true });
    }
  } catch {
    // nothing to clean (no folder yet) or not readable: the extraction says so if it matters
  }
  return join(parent, `stage-${process.pid}`);
}

function freeBytesAt(dir: string): number | undefined {
  try {
    mkdirSync(dir, { recursive: true });
    const st = statfsSync(dir);
    return Number(st.bavail) * Number(st.bsize);
  } catch {
    return undefined;
  }
}
