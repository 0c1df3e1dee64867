// Pull one source from a main server into the mirror with rsync, refusing to let a missing or
// suddenly empty source wipe a mirror that had data.
import { mkdirSync, readdirSync } from 'node:fs';
import type { SourceConfig } from '../config/types.js';
import { rsyncProbe, rsyncPull } from '../tools/rsync/run.js';
import type { RsyncStats } from '../tools/rsync/stats.js';
import { ensureMirrorTop, sourceMirrorDir, type HostContext, type StepOutcome } from './context.js';

export interface PullResult {
  source: string;
  window: { start: string; end: string };
  exitCode?: number;
  attempts: number;
  stats?: RsyncStats;
  warning?: string;
  /** Set when the host itself could not be reached (ssh failed or refused): its other sources will fail too. */
  unreachable?: boolean;
}

/** Pulls `source` into `<mirror>/<host>/<source>/`; a failed outcome never deletes mirror data. */
export async function pullSource(ctx: HostContext, source: SourceConfig): Promise<StepOutcome<PullResult>> {
  const start = new Date().toISOString();
  const dest = sourceMirrorDir(ctx.global, ctx.host.name, source.name);
  ensureMirrorTop(ctx.global, ctx.host.name);
  mkdirSync(dest, { recursive: true });
  const mirrorEntries = readdirSync(dest).length;
  const opts = { logger: ctx.logger, signal: ctx.signal };

  const probe = await rsyncProbe(ctx.global, ctx.host, source, opts);
  const failed = (error: string, exitCode?: number, unreachable?: boolean): StepOutcome<PullResult> => ({
    status: 'failed',
    error,
    exitCode,
    value: { source: source.name, window: { start, end: new Date().toISOString() }, exitCode, attempts: probe.attempts, unreachable },
  });
  if (probe.missing) {
    return failed(`source ${source.path} does not exist on ${ctx.host.name}; the mirror was left untouched`, probe.last.exitCode);
  }
  if (probe.verdict.kind === 'failed') {
    const v = probe.verdict;
    const hint =
      v.refused === 'host-key'
        ? `; the key must match the line for ${ctx.host.address}:${ctx.host.port} in ${ctx.global.ssh.knownHosts} (if the server's key was changed on purpose, replace that line)`
        : v.refused === 'login'
          ? `; is the public key of ${ctx.global.ssh.identityFile} in ${ctx.host.user}'s authorized_keys on ${ctx.host.name}?`
          : '';
    const unreachable = v.refused !== undefined || probe.last.exitCode === 255 || probe.last.timedOut;
    return failed(`cannot list ${source.path}: ${v.reason}${hint}`, probe.last.exitCode, unreachable);
  }
  if (probe.entries === 0 && mirrorEntries > 0) {
    return failed(
      `source ${source.path} is empty but the mirror holds ${mirrorEntries} entries; refusing to delete them ` +
        `(if the source was emptied on purpose, empty ${dest} by hand)`,
    );
  }

  const out = await rsyncPull(ctx.global, ctx.host, source, dest, opts);
  const end = new Date().toISOString();
  const value: PullResult = {
    source: source.name,
    window: { start, end },
    exitCode: out.last.exitCode,
    attempts: out.attempts,
    stats: out.stats,
    warning: out.verdict.kind === 'warning' ? out.verdict.reason : undefined,
  };
  const base = { bytes: out.stats.bytesReceived, files: out.stats.filesTransferred, exitCode: out.last.exitCode, value };
  if (out.verdict.kind === 'failed') return { ...base, status: 'failed', error: `pull of ${source.path}: ${out.verdict.reason}`, details: value };
  if (out.verdict.kind === 'warning') return { ...base, status: 'warning', error: out.verdict.reason, details: value };
  return { ...base, status: 'ok', details: value };
}
