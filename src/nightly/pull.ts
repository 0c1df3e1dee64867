// Pull one source from a main server into the mirror with rsync, refusing to let a missing,
// suddenly empty or mass-deleted source wipe a mirror that had data.
import { mkdirSync, readdirSync } from 'node:fs';
import { lastGoodPull, recordGoodPull, shrinkReference } from '../catalog/guards.js';
import type { SourceConfig } from '../config/types.js';
import { effectiveMaxShrink, judgeShrink, shouldGuard } from './shrink.js';
import { rsyncProbe, rsyncPull, type RsyncPullOutcome } from '../tools/rsync/run.js';
import { changedKeyAdvice, presentedInSshOutput, unknownHostAdvice } from '../tools/ssh/host-key-text.js';
import { loadKnownHosts, recordedKeys, type KnownHostEntry } from '../tools/ssh/known-hosts.js';
import { aliveTimeoutOf, sshForRole } from '../tools/ssh/options.js';
import { openSshMux, type SshMux } from '../tools/ssh/mux.js';
import type { RsyncProgress } from '../tools/rsync/progress.js';
import type { RsyncStats } from '../tools/rsync/stats.js';
import type { PullResult } from '../archive/manifest.js';

export type { PullResult };
import type { ProgressTask } from '../progress/progress.js';
import type { RunResult } from '../exec/run.js';
import { isTransportExit, type RsyncVerdict } from '../tools/rsync/exit-codes.js';
import { describeFilesystemOf } from '../util/filesystem.js';
import { counted, humanBytes } from '../util/table.js';
import { lookAtSourceRoot } from './source-root.js';
import { ensureMirrorTop, sourceMirrorDir, type HostContext, type StepOutcome } from '../job/context.js';


/** ssh's words for a server that accepted the TCP connection and then did not answer. */
const SSH_STALLED = /Connection timed out during banner exchange|Connection to \S+ port \d+ timed out/;

/** ssh's own words when it never reached the host. */
const SSH_UNREACHABLE = /ssh: connect to host .*: (Connection refused|Connection timed out|No route to host|Network is unreachable)|ssh: Could not resolve hostname/;

/**
 * Whether ssh gave up on a server that took the connection and then did not answer: ssh says so
 * for a missing greeting; a stalled key exchange ends silently (LogLevel=ERROR) with exit 255
 * (or 12) after at least the connect timeout.
 */
function stalled(ctx: HostContext, reason: string, last: RunResult): boolean {
  if (SSH_STALLED.test(reason)) return true;
  // rsync says 255, or 12 when ssh died first; no ssh line at all, after at least connect_timeout.
  const silent = /^(ssh connection failed|error in the rsync protocol data stream \(connection lost\)) \(rsync exit (255|12)\)/.test(reason);
  return silent && last.durationMs >= ctx.global.ssh.connectTimeoutSeconds * 1000;
}

/** The night's shared SSH connection for the host's pulls (undefined: each rsync logs in itself); never throws. */
export function openPullConnection(ctx: HostContext): Promise<SshMux | undefined> {
  return openSshMux(sshForRole(ctx.global.ssh, ctx.host, 'pull'), ctx.host, { logger: ctx.logger, signal: ctx.signal, readyTimeoutMs: ctx.global.ssh.connectTimeoutSeconds * 1000 });
}

/**
 * Pulls `source` into `<mirror>/<host>/<source>/`; a failed outcome never deletes mirror data.
 *
 * Before rsync may delete from a mirror that holds data, the source is looked at: missing, suddenly
 * empty, or the host unreachable, the mirror is left as it is. Where the pull itself cannot delete
 * (the shrink guard's first pass deletes nothing; an empty mirror has nothing to lose) the pull is
 * that first look, and its failure is told the same way; otherwise a listing of the source's top
 * level (the probe) comes first. One rsync, one remote start and one round trip less a source and
 * night in the usual case.
 */
export async function pullSource(ctx: HostContext, source: SourceConfig): Promise<StepOutcome<PullResult>> {
  const start = new Date().toISOString();
  // Before anything may be transferred: the root is still a real directory, not a link rsync would follow.
  const root = await lookAtSourceRoot(ctx, source);
  if (root.kind === 'refused') return rootRefused(source, root.error, start);
  if (root.kind === 'unknown') ctx.logger.debug({ source: source.name, why: root.why }, "the source's root could not be looked at: the pull's first look decides");
  const dest = sourceMirrorDir(ctx.global, ctx.host.name, source.name);
  ensureMirrorTop(ctx.global, ctx.host.name);
  // From here the mirror may change: it no longer equals the archive last made of it.
  ctx.catalog.forgetMirrorArchive(ctx.host.name);
  mkdirSync(dest, { recursive: true });
  const mirrorEntries = readdirSync(dest).length;
  const opts = { logger: ctx.logger, signal: ctx.signal, controlPath: ctx.sshMux && (() => ctx.sshMux!.controlPath()) };

  // The mass-deletion guard: a first pass copies what is new or changed but deletes nothing and counts
  // the deletions held back; only when they (and the size) are within max_shrink does a second pass delete.
  const maxShrink = effectiveMaxShrink(ctx.global, source);
  const accepted = ctx.acceptShrink?.includes(source.name) ?? false;
  const baseline = lastGoodPull(ctx.catalog, ctx.host.name, source.name);
  const guarded = shouldGuard(baseline, maxShrink, accepted);
  /** A failure found by the first look; `stats` when rsync may have written to the mirror before it failed. */
  const failed = (error: string, first: { attempts: number; last: RunResult; unreachable?: boolean }, stats?: RsyncStats): StepOutcome<PullResult> => ({
    status: 'failed',
    error,
    exitCode: first.last.exitCode,
    value: { source: source.name, window: { start, end: new Date().toISOString() }, exitCode: first.last.exitCode, attempts: first.attempts, unreachable: first.unreachable, stats },
  });

  if (mirrorEntries > 0 && !guarded) {
    const probe = await rsyncProbe(ctx.global, ctx.host, source, opts);
    const refusal = firstLookRefusal(ctx, source, probe, 'probe', { dir: dest, entries: mirrorEntries }, probe.entries === 0);
    if (refusal) return failed(refusal.error, refusal);
  }

  const shrink: PullResult['shrink'] = { maxShrink, baselineFiles: baseline?.files, baselineBytes: baseline?.bytes, ...(accepted ? { accepted } : {}) };
  let refused: string | undefined;
  const bar = ctx.progress?.enabled ? ctx.progress.task(`pull ${ctx.host.name}/${source.name}`) : undefined;
  const pullOpts = { ...opts, onProgress: bar && progressOf(bar) };
  let out: RsyncPullOutcome;
  try {
    out = await rsyncPull(ctx.global, ctx.host, source, dest, { ...pullOpts, maxDelete: guarded ? 0 : undefined });
    if (mirrorEntries === 0 || guarded) {
      // This pass deleted nothing: a missing or emptied source, or a host that did not answer, is told
      // as the probe tells it, and nothing more happens to the mirror.
      const refusal = firstLookRefusal(ctx, source, out, 'pull', { dir: dest, entries: mirrorEntries }, out.verdict.kind !== 'failed' && out.stats.files <= 1);
      // A missing or empty source gave rsync nothing to write; a transfer cut off may have written some.
      if (refusal) return failed(refusal.error, refusal, out.missing || out.verdict.kind !== 'failed' ? undefined : out.stats);
    }
    if (guarded && out.verdict.kind !== 'failed') {
      shrink.pendingDeletions = out.skippedDeletions ?? 0;
      const how = `pullback run --host ${ctx.host.name} --accept-shrink ${source.name}`;
      const older = olderReference(ctx, source);
      if (older) shrink.olderArchive = older.archive;
      const v = judgeShrink(source.name, baseline, { pendingDeletions: shrink.pendingDeletions, bytesNow: out.stats.totalSize, filesNow: out.stats.files }, maxShrink, how, older);
      // The second pass is a transfer of its own: the root is looked at again just before it.
      const again = !v.ok || shrink.pendingDeletions === 0 ? undefined : await lookAtSourceRoot(ctx, source);
      if (!v.ok) refused = v.reason;
      else if (again?.kind === 'refused') return rootRefused(source, again.error, start, out.stats);
      else if (shrink.pendingDeletions > 0) out = await deletingPass(ctx, source, dest, out, Math.floor(baseline.files * maxShrink), pullOpts);
    }
  } finally {
    bar?.done();
  }
  if (accepted) ctx.logger.warn({ source: source.name, baseline }, `${source.name}: --accept-shrink: deletions are mirrored without the max_shrink guard`);
  const end = new Date().toISOString();
  const warning = [out.verdict.kind === 'warning' ? out.verdict.reason : undefined, deviceNote(source, out.stats)].filter(Boolean).join('; ') || undefined;
  const value: PullResult = {
    source: source.name,
    window: { start, end },
    exitCode: out.last.exitCode,
    attempts: out.attempts,
    stats: out.stats,
    received: out.received,
    warning,
    shrink,
    ...(root.kind === 'directory' ? { root: 'directory' as const } : {}),
  };
  // Every attempt's bytes: a transfer retried after a cut sent its first part twice over the network.
  const base = { bytes: out.received, files: out.stats.filesTransferred, exitCode: out.last.exitCode, value };
  if (refused) return { ...base, status: 'failed', error: refused, details: value };
  if (out.verdict.kind === 'failed' && out.verdict.noSpace) {
    // Measured after rsync removed its unfinished file, so the free space shown is what is left without it.
    const error =
      `pull of ${source.path}: ${out.verdict.reason}; the mirror's ${describeFilesystemOf(dest)} is too small for tonight's pull. ` +
      "rsync deleted nothing and the source's last good state is kept; free space there and run again";
    return { ...base, status: 'failed', error, details: value };
  }
  if (out.verdict.kind === 'failed') return { ...base, status: 'failed', error: `pull of ${source.path}: ${out.verdict.reason}`, details: value };
  // The mirror now equals the source: the baseline the next pull's shrink is measured against.
  recordGoodPull(ctx.catalog, ctx.host.name, source.name, out.stats.files, out.stats.totalSize, ctx.runId);
  if (warning) return { ...base, status: 'warning', error: warning, details: value };
  return { ...base, status: 'ok', details: value };
}

/** The failed pull of a source whose root is no longer a real directory; `stats` when a first pass had written to the mirror. */
function rootRefused(source: SourceConfig, error: string, start: string, stats?: RsyncStats): StepOutcome<PullResult> {
  const value: PullResult = { source: source.name, window: { start, end: new Date().toISOString() }, attempts: 0, root: 'refused', ...(stats ? { stats } : {}) };
  return { status: 'failed', error, details: value, value };
}

/** The archived figures a guarded pull is also compared with (max_shrink_window back), or undefined when off or none is that old. */
function olderReference(ctx: HostContext, source: SourceConfig): ReturnType<typeof shrinkReference> {
  const window = ctx.global.maxShrinkWindowSeconds;
  if (window <= 0) return undefined;
  return shrinkReference(ctx.catalog, ctx.host.name, source.name, new Date(Date.now() - window * 1000).toISOString());
}

/** The night's first look at a source: its probe, or a pull that deleted nothing. */
interface FirstLook {
  verdict: RsyncVerdict;
  missing?: boolean;
  attempts: number;
  last: RunResult;
}

/**
 * Why the first look leaves the mirror alone (missing or emptied source, a host that refused or
 * did not answer), with the advice for it; undefined when the night goes on. A pull that failed
 * once connected (a full disk, a partial transfer) is not a first-look failure: the pull tells it.
 */
function firstLookRefusal(
  ctx: HostContext,
  source: SourceConfig,
  look: FirstLook,
  how: 'probe' | 'pull',
  mirror: { dir: string; entries: number },
  empty: boolean,
): { error: string; attempts: number; last: RunResult; unreachable?: boolean } | undefined {
  const base = { attempts: look.attempts, last: look.last };
  if (look.missing) return { ...base, error: `source ${source.path} does not exist on ${ctx.host.name}; the mirror was left untouched` };
  if (look.verdict.kind === 'failed') {
    const v = look.verdict;
    // Our own signal stopped it: neither the host nor the source is to blame.
    if (ctx.signal?.aborted) return { ...base, error: `${how === 'probe' ? 'listing' : 'pull'} of ${source.path}: ${v.reason}` };
    const transport = v.refused !== undefined || look.last.timedOut || isTransportExit(look.last.exitCode);
    if (how === 'pull' && !transport) return undefined;
    const hint =
      v.refused === 'host-key'
        ? `; the key must match the line for ${ctx.host.address}:${ctx.host.port} in ${ctx.global.ssh.knownHosts}: ${hostKeyHint(ctx, look.last.stderrTail)}`
        : v.refused === 'login'
          ? `; is the public key of ${sshForRole(ctx.global.ssh, ctx.host, 'pull').identityFile} in ${ctx.host.user}'s authorized_keys on ${ctx.host.name}?`
          : stalled(ctx, v.reason, look.last)
            ? `; the server accepted the connection but never completed the SSH handshake (each attempt is given up after ssh.connect_timeout ${ctx.global.ssh.connectTimeoutSeconds}s without a greeting, or ssh.alive_timeout ${aliveTimeoutOf(ctx.global.ssh)}s without an answer)`
            : '';
    // rsync reports a failed ssh as 255, or as 12 (protocol stream) when ssh died first: ssh's own line decides.
    const unreachable = v.refused !== undefined || look.last.exitCode === 255 || look.last.timedOut || SSH_UNREACHABLE.test(v.reason) || stalled(ctx, v.reason, look.last);
    return { ...base, unreachable, error: `cannot ${how === 'probe' ? 'list' : 'pull'} ${source.path}: ${v.reason}${hint}` };
  }
  if (empty && mirror.entries > 0) {
    return {
      ...base,
      error: `source ${source.path} is empty but the mirror holds ${mirror.entries} entries; refusing to delete them (if the source was emptied on purpose, empty ${mirror.dir} by hand)`,
    };
  }
  return undefined;
}

/** The warning for device files the server holds in a source: never copied (rsync --no-devices). */
function deviceNote(source: SourceConfig, stats: RsyncStats): string | undefined {
  if (stats.devices === 0) return undefined;
  return `${stats.devices} device file(s) in ${source.path} were not copied: device nodes from a main server are never recreated on the backup host`;
}

/**
 * The guarded pull's second pass, which deletes (at most `limit`: deletions that appeared since the
 * first pass past it fail the pull). Its outcome, with the transfers of both passes counted.
 */
async function deletingPass(
  ctx: HostContext,
  source: SourceConfig,
  dest: string,
  first: RsyncPullOutcome,
  limit: number,
  opts: { logger: HostContext['logger']; signal?: AbortSignal; onProgress?: (p: RsyncProgress) => void },
): Promise<RsyncPullOutcome> {
  const second = await rsyncPull(ctx.global, ctx.host, source, dest, { ...opts, maxDelete: limit });
  const stats = {
    ...second.stats,
    filesTransferred: first.stats.filesTransferred + second.stats.filesTransferred,
    bytesReceived: first.stats.bytesReceived + second.stats.bytesReceived,
    bytesSent: first.stats.bytesSent + second.stats.bytesSent,
  };
  // The second pass is no retry of the first: attempts count each pass's first try once, and its retries.
  const merged = { ...second, stats, attempts: first.attempts + second.attempts - 1, received: first.received + second.received };
  if (second.verdict.kind !== 'failed' && (second.skippedDeletions ?? 0) > 0) {
    const reason = `${second.skippedDeletions} more deletions than max_shrink allows appeared during the pull (rsync --max-delete=${limit} held them back)`;
    return { ...merged, verdict: { kind: 'failed', reason } };
  }
  return merged;
}

/** rsync's whole-transfer progress on a bar: its percentage, files and bytes so far. */
function progressOf(bar: ProgressTask): (p: RsyncProgress) => void {
  return (p) => bar.update(p.percent, 100, `${counted(p.files ?? 0, 'file')}, ${humanBytes(p.bytes)}${p.total !== undefined ? ` (${p.total - (p.toCheck ?? 0)} of ${p.total} checked)` : ''}`);
}

/** Advice after ssh refused the host key: record it (unknown host), or both fingerprints and the deliberate way to accept a change. */
function hostKeyHint(ctx: HostContext, sshSaid: readonly string[]): string {
  let recorded: KnownHostEntry[];
  try {
    recorded = recordedKeys(loadKnownHosts(ctx.global.ssh.knownHosts), ctx.host.address, ctx.host.port);
  } catch {
    recorded = [];
  }
  if (recorded.length === 0) return unknownHostAdvice(ctx.host.name);
  return changedKeyAdvice({ name: ctx.host.name, recorded, presented: presentedInSshOutput(sshSaid) });
}
