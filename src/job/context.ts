// What every per-host action receives: the config, the catalog, a logger with host context.
import { ensurePrivateDir } from '../util/private.js';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Catalog, Status, StepRecord } from '../catalog/catalog.js';
import { repositoryPath, type GlobalConfig, type HostConfig } from '../config/types.js';
import { describeError } from '../errors.js';
import type { BorgContext } from '../tools/borg/run.js';
import type { Progress } from '../progress/progress.js';
import type { SshMux } from '../tools/ssh/mux.js';

export interface HostContext {
  global: GlobalConfig;
  host: HostConfig;
  catalog: Catalog;
  runId: number;
  logger: Logger;
  signal?: AbortSignal;
  dryRun?: boolean;
  /** Sources whose mass deletion the operator accepted for this run (`run --accept-shrink`). */
  acceptShrink?: readonly string[];
  /** Progress bars for a person at the terminal (absent or disabled: tools are not asked for progress output). */
  progress?: Progress;
  /** The night's shared SSH connection to the host for pulls (absent: each rsync logs in itself). */
  sshMux?: SshMux;
}

/** `<state_dir>/mirror/<host>`: the persistent local copy pulled night after night. */
export function hostMirrorDir(global: GlobalConfig, host: string): string {
  return join(global.stateDir, 'mirror', host);
}

/**
 * Creates `<state_dir>/mirror/<host>` with both directories 0700: the mirror keeps the source
 * files' own modes (restores need them), so its top is what keeps other users out.
 */
export function ensureMirrorTop(global: GlobalConfig, host: string): void {
  ensurePrivateDir(global.stateDir);
  ensurePrivateDir(join(global.stateDir, 'mirror'));
  ensurePrivateDir(hostMirrorDir(global, host));
}

export function sourceMirrorDir(global: GlobalConfig, host: string, source: string): string {
  return join(hostMirrorDir(global, host), source);
}

export function borgContext(ctx: Pick<HostContext, 'global' | 'logger' | 'signal'>): BorgContext {
  return { repository: ctx.global.repository, stateDir: ctx.global.stateDir, logger: ctx.logger, signal: ctx.signal };
}

export function hostRepo(ctx: Pick<HostContext, 'global' | 'host'>): string {
  return repositoryPath(ctx.global, ctx.host.name);
}

/** The outcome every step reports. */
export interface StepOutcome<T = undefined> extends StepRecord {
  status: Status;
  value?: T;
}

/**
 * Runs one step, recording its start and end in the catalog. A thrown error becomes a failed step
 * (the error's message is recorded), so one step's failure is data, not an exception.
 */
export async function recordStep<T>(
  ctx: HostContext,
  step: string,
  source: string | undefined,
  fn: () => Promise<StepOutcome<T>>,
): Promise<StepOutcome<T>> {
  const id = ctx.catalog.startStep(ctx.runId, ctx.host.name, step, source);
  const log = ctx.logger.child({ step, ...(source ? { source } : {}) });
  const started = Date.now();
  let out: StepOutcome<T>;
  try {
    out = await fn();
  } catch (e) {
    out = { status: 'failed', error: describeError(e) };
  }
  // A step that failed because a signal stopped its command was interrupted, not broken.
  const interrupted = out.status === 'failed' && ctx.signal?.aborted === true;
  ctx.catalog.finishStep(id, interrupted ? { ...out, status: 'interrupted' } : out);
  const fields = { status: interrupted ? 'interrupted' : out.status, durationMs: Date.now() - started, bytes: out.bytes, files: out.files, error: out.error };
  if (interrupted) log.warn(fields, `${step} interrupted`);
  else if (out.status === 'failed') log.error(fields, `${step} failed`);
  else if (out.status === 'warning') log.warn(fields, `${step} finished with a warning`);
  else if (out.status === 'skipped') log.info(fields, `${step} skipped`);
  else log.info(fields, `${step} done`);
  return out;
}
