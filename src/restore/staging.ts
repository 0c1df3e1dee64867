// The folder sources of a restore, extracted ahead. Extracting reads only the archive, so it can run
// as soon as the readiness checklist's archive check is done (borg check holds the repository's
// lock), beside the rest of the checklist, the confirmation, the stop_writes hooks and the safety
// snapshot (which read the target): one `borg extract` of every folder source (one walk of the
// archive's items, where a source at a time was a walk each), off the critical path. Each folder
// step then only pushes. Taken only when the backup host's disk holds the staged sources and the
// snapshot at once; otherwise, and after any failure of the early extraction, each step extracts
// its own source as before (so a damaged source fails its own step, not the ones before it). A
// refused checklist, a dry run or a cancel stops it and removes what it extracted.
import { existsSync, mkdirSync, readdirSync, rmSync, statfsSync } from 'node:fs';
import { isGone } from '../util/process-identity.js';
import { dirname, join } from 'node:path';
import { describeError } from '../errors.js';
import type { RestorePlan } from './plan.js';
import { extractArchive } from '../tools/borg/extract.js';
import type { RestoreContext } from './context.js';

/** Room kept free on the backup host beyond the staged sources and the snapshot (borg's own files, logs). */
const LOCAL_RESERVE_BYTES = 1024 ** 3;

export interface Staging {
  /** The folder sources being extracted ahead (empty: each step extracts its own). */
  readonly ahead: readonly string[];
  /** Where source `source` is (or will be) once extracted ahead. */
  dirOf(source: string): string;
  /** Resolves true once the early extraction has put every source ahead in place, false if it failed. */
  settled(): Promise<boolean>;
  /** Stops an extraction still running and waits for borg to exit; removes what it extracted. */
  dispose(): Promise<void>;
}

/** Why sources are not extracted ahead, or undefined when they are. */
export function stageAheadRefusal(plan: RestorePlan, freeBytes: number | undefined): string | undefined {
  const folders = plan.steps.filter((s) => s.mode === 'files');
  if (folders.length === 0) return 'no folder sources';
  if (freeBytes === undefined) return 'free space unknown';
  // The snapshot of the target (about the size of what is restored) and the staged sources together.
  const bytes = folders.reduce((n, s) => n + s.bytes, 0);
  const need = 2 * bytes * 1.1 + LOCAL_RESERVE_BYTES;
  return freeBytes < need ? `${freeBytes} bytes free on the backup host, ${Math.ceil(need)} needed to stage every source beside the snapshot` : undefined;
}

/** No extraction ahead: each folder step extracts its own source. */
export const STAGE_AT_EACH_STEP: Staging = { ahead: [], dirOf: () => '', settled: async () => false, dispose: async () => undefined };

/** Begins extracting the plan's folder sources into `dir` (created; a folder of the restore's own) when there is room; never throws. */
export function beginStaging(ctx: Pick<RestoreContext, 'borg' | 'repository' | 'archive' | 'logger' | 'signal'>, plan: RestorePlan, dir: string): Staging {
  const ahead = plan.steps.filter((s) => s.mode === 'files').map((s) => s.source);
  const refusal = stageAheadRefusal(plan, freeBytesAt(dirname(dir)));
  if (refusal) {
    ctx.logger.debug({ reason: refusal }, 'restore: each source is extracted at its step');
    return STAGE_AT_EACH_STEP;
  }
  const stop = new AbortController();
  const onOuter = () => stop.abort();
  ctx.signal?.addEventListener('abort', onOuter, { once: true });
  const extraction = (async () => {
    try {
      rmSync(dir, { recursive: true, force: true });
      await extractArchive({ ...ctx.borg, signal: stop.signal }, ctx.repository, ctx.archive, dir, { prefix: ahead });
      for (const s of ahead) if (!existsSync(join(dir, s))) mkdirSync(join(dir, s), { recursive: true });
      return true;
    } catch (e) {
      if (!stop.signal.aborted) ctx.logger.warn({ err: describeError(e) }, 'restore: extracting the sources ahead failed; each is extracted again at its step');
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
