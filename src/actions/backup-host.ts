// One host's nightly backup: (dump,) pull and verify each source, then archive, prune, compact,
// and the checks that are due. Returns a result; never throws for the host's own failures.
import type { Status } from '../catalog/catalog.js';
import { dueChecks } from '../plan/checks-due.js';
import { archiveHost, type SourceManifest } from './archive.js';
import { hostRepo, recordStep, type HostContext } from './context.js';
import { takeDumps, verifyDumps, type DumpRecord } from './database.js';
import { checkHost, compactHost, pruneHost } from './maintain.js';
import { pullSource } from './pull.js';

export interface HostRunResult {
  host: string;
  status: Status;
  archive?: string;
  bytes: number;
  files: number;
  durationMs: number;
  /** People-facing problems (failures and warnings), in order. */
  problems: string[];
  /** Checks that ran, e.g. ['repository', 'archives']. */
  checks: string[];
}

/** Hooks that later steps (drills) plug into the nightly job. */
export interface BackupHooks {
  /** Runs a drill when one is due; returns the step's status and, when it did not pass, why. */
  drill?: (ctx: HostContext) => Promise<{ status: Status; error?: string }>;
}

/** Runs the whole nightly job for `ctx.host`. */
export async function backupHost(ctx: HostContext, hooks: BackupHooks = {}): Promise<HostRunResult> {
  const started = Date.now();
  const problems: string[] = [];
  let worst = 'ok' as Status; // widened on purpose: note() updates it from closures
  const note = (status: Status, error?: string) => {
    if (status === 'failed') worst = 'failed';
    else if (status === 'warning' && worst === 'ok') worst = 'warning';
    if (error && (status === 'failed' || status === 'warning')) problems.push(error);
  };
  let bytes = 0;
  let files = 0;

  const manifests: SourceManifest[] = [];
  // Once ssh could not reach the host, its other sources would only repeat the wait (and the retries).
  let unreachable = false;
  const skipped: string[] = [];
  for (const source of ctx.host.sources) {
    if (ctx.signal?.aborted) break;
    if (unreachable) {
      await recordStep(ctx, 'pull', source.name, async () => ({ status: 'skipped', error: `skipped: ${ctx.host.name} could not be reached` }));
      manifests.push({ name: source.name, kind: source.kind, path: source.path, exclude: source.exclude, status: 'skipped' });
      skipped.push(source.name);
      continue;
    }
    let taken: DumpRecord[] | undefined;
    if (source.dump) {
      const d = await recordStep(ctx, 'dump', source.name, () => takeDumps(ctx, source));
      note(d.status, d.error);
      if (d.status === 'failed') {
        manifests.push({ name: source.name, kind: source.kind, path: source.path, exclude: source.exclude, status: 'failed' });
        continue;
      }
      taken = d.value;
    }
    const p = await recordStep(ctx, 'pull', source.name, () => pullSource(ctx, source));
    note(p.status, p.error);
    if (p.status === 'failed' && p.value?.unreachable) unreachable = true;
    bytes += p.bytes ?? 0;
    files += p.files ?? 0;
    let dumps: DumpRecord[] | undefined;
    let status = p.status;
    if (p.status !== 'failed' && source.kind === 'database') {
      const v = await recordStep(ctx, 'verify', source.name, () => verifyDumps(ctx, source, taken));
      note(v.status, v.error);
      dumps = v.value;
      if (v.status === 'failed') status = 'failed';
    }
    manifests.push({ name: source.name, kind: source.kind, path: source.path, exclude: source.exclude, status, pull: p.value, dumps });
  }

  const result = (archive?: string, checks: string[] = []): HostRunResult => ({
    host: ctx.host.name,
    status: ctx.signal?.aborted ? 'interrupted' : worst,
    archive,
    bytes,
    files,
    durationMs: Date.now() - started,
    problems,
    checks,
  });

  if (skipped.length > 0) problems.push(`not pulled (host unreachable): ${skipped.join(', ')}`);
  if (worst === 'failed' || ctx.signal?.aborted) {
    problems.push('archive skipped: a source failed (no archive, no prune)');
    return result();
  }

  const a = await recordStep(ctx, 'archive', undefined, () => archiveHost(ctx, manifests));
  note(a.status, a.error);
  if (a.status === 'failed' || !a.value) {
    problems.push('prune skipped: this run created no archive');
    return result();
  }

  const pr = await recordStep(ctx, 'prune', undefined, () => pruneHost(ctx));
  note(pr.status, pr.error);
  if (pr.status !== 'failed') {
    const c = await recordStep(ctx, 'compact', undefined, () => compactHost(ctx));
    note(c.status, c.error);
  }

  const repo = hostRepo(ctx);
  const due = dueChecks(ctx.global.checks, (k) => ctx.catalog.lastCheck(repo, k), new Date());
  const checks: string[] = [];
  if (due.repository || due.archives || due.data) {
    const req = { repository: due.repository, archives: due.archives, verifyData: due.data };
    const ck = await recordStep(ctx, 'check', undefined, () => checkHost(ctx, req));
    note(ck.status, ck.error);
    checks.push(...(ck.details as { kinds?: string[] } | undefined)?.kinds ?? []);
  }
  if (due.drill && hooks.drill) {
    const d = await hooks.drill(ctx);
    note(d.status, d.error && `drill: ${d.error}`);
    checks.push('drill');
  }
  return result(a.value.archive, checks);
}
