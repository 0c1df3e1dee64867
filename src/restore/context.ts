// What every restore action receives: the config, the target host and an SSH session to it, the
// archive restored from, a logger, the interrupt signal and a private working directory.
import { renameSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { GlobalConfig, HostConfig } from '../config/types.js';
import type { ExpectedProperties } from '../engines/engine.js';
import type { BorgContext } from '../tools/borg/run.js';
import type { SshSession } from '../tools/ssh/client.js';
import type { SshMux } from '../tools/ssh/mux.js';

export interface RestoreContext {
  global: GlobalConfig;
  /** The host restored onto (its file gives paths, database connections, hooks and checks). */
  target: HostConfig;
  session: SshSession;
  /** One OpenSSH login shared by the restore's rsyncs (absent: each logs in itself). */
  sshMux?: SshMux;
  borg: BorgContext;
  repository: string;
  archive: string;
  /** `<state_dir>/restore/<id>`: staging for extracted sources and the safety snapshot. */
  workDir: string;
  logger: Logger;
  signal?: AbortSignal;
  /** Removals still running (a pulled or staged tree deleted beside the next steps); executeRestore awaits them. */
  pending?: Array<Promise<unknown>>;
  /** What each restored database's own properties should be (by databaseLabel), as its restore set them: the checks compare. */
  expectedProperties?: Map<string, ExpectedProperties>;
}

/**
 * Removes a local tree the restore is done with: moved aside at once (its path is free again), then
 * deleted while the next steps run (tens of thousands of files take a second), when the context
 * collects pending work; else deleted now.
 */
export function removeLater(ctx: Pick<RestoreContext, 'pending'>, dir: string): void {
  if (!ctx.pending) {
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  const aside = `${dir}.done-${++removals}`;
  try {
    renameSync(dir, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  ctx.pending.push(rm(aside, { recursive: true, force: true }).catch(() => rmSync(aside, { recursive: true, force: true })));
}

let removals = 0;

/** The outcome of one restore step. */
export interface RestoreStepResult<T = unknown> {
  status: 'ok' | 'warning' | 'failed';
  error?: string;
  /** A short figure shown beside a successful step (e.g. the snapshot's name). */
  summary?: string;
  details?: unknown;
  value?: T;
  /** For a failed step: whether it changed the target (false: proven left exactly as it was; 'possibly' or absent: unknown). */
  changed?: boolean | 'possibly';
}

/** The rsync options that attach to the restore's shared connection while it is up. */
export function rsyncVia(ctx: RestoreContext): { logger: Logger; signal?: AbortSignal; controlPath: () => string | undefined } {
  return { logger: ctx.logger, signal: ctx.signal, controlPath: () => ctx.sshMux?.controlPath() };
}
