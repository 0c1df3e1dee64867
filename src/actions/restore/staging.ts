// The folder sources of a restore, extracted ahead. Extracting reads only the archive, so it can
// run from the restore's first step on, beside the stop_writes hooks and the safety snapshot (which
// read the target): one `borg extract` of every folder source (one walk of the archive's items,
// where a source at a time was a walk each), off the critical path. Each folder step then only
// pushes. Taken only when the backup host's disk holds the staged sources and the snapshot at once;
// otherwise, and after any failure of the early extraction, each step extracts its own source as
// before (so a damaged source fails its own step, not the ones before it).
import { existsSync, mkdirSync, rmSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { describeError } from '../../errors.js';
import type { RestorePlan } from '../../plan/restore-plan.js';
import { extractArchive } from '../../tools/borg/items.js';
import type { RestoreContext } from './context.js';

/** Room kept free on the backup host beyond the staged sources and the snapshot (borg's own files, logs). */
const LOCAL_RESERVE_BYTES = 1024 ** 3;

export interface Staging {
  /** The folder sources being extracted ahead (empty: each step extracts its own). */
  readonly ahead: readonly string[];
  /** Resolves true once the early extraction has put every source ahead in place, false if it failed. */
  settled(): Promise<boolean>;
  /** Stops an extraction still running (the restore ended early) and waits for borg to exit. */
  stop(): Promise<void>;
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

/** Begins extracting the plan's folder sources into `<workDir>/stage` when there is room; never throws. */
export function beginStaging(ctx: RestoreContext, plan: RestorePlan): Staging {
  const ahead = plan.steps.filter((s) => s.mode === 'files').map((s) => s.source);
  const stage = join(ctx.workDir, 'stage');
  const refusal = stageAheadRefusal(plan, freeBytesAt(ctx.workDir));
  if (refusal) {
    ctx.logger.debug({ reason: refusal }, 'restore: each source is extracted at its step');
    return { ahead: [], settled: async () => false, stop: async () => undefined };
  }
  const stop = new AbortController();
  const onOuter = () => stop.abort();
  ctx.signal?.addEventListener('abort', onOuter, { once: true });
  const extraction = (async () => {
    try {
      rmSync(stage, { recursive: true, force: true });
      await extractArchive({ ...ctx.borg, signal: stop.signal }, ctx.repository, ctx.archive, stage, { prefix: ahead });
      for (const s of ahead) if (!existsSync(join(stage, s))) mkdirSync(join(stage, s), { recursive: true });
      return true;
    } catch (e) {
      if (!stop.signal.aborted) ctx.logger.warn({ err: describeError(e) }, 'restore: extracting the sources ahead failed; each is extracted again at its step');
      rmSync(stage, { recursive: true, force: true });
      return false;
    } finally {
      ctx.signal?.removeEventListener('abort', onOuter);
    }
  })();
  return {
    ahead,
    settled: () => extraction,
    stop: async () => {
      stop.abort();
      await extraction;
    },
  };
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
