// The nightly `offsite` step of one host: each target gated (tonight's or the last check, its
// window), copied, recorded; one step outcome for the host, failed when a copy failed or was refused.
import type { Status } from '../catalog/catalog.js';
import { lastCheckStatus, recordOffsite } from '../catalog/offsite.js';
import { offsiteLocation } from '../config/types-offsite.js';
import { offsiteGate } from './decide.js';
import { hostRepo, type HostContext, type StepOutcome } from '../job/context.js';
import { copyToTarget, type CopySource } from './copy.js';

export interface TargetOutcome {
  target: string;
  status: 'ok' | 'failed' | 'refused' | 'skipped';
  bytes?: number;
  checkDetail?: string;
  reason?: string;
  warning?: string;
}

/** Copies the host's repository to every off-site target whose gate opens; `checkTonight` is this night's check status, if one ran. */
export async function offsiteHost(ctx: HostContext, src: CopySource, checkTonight: Status | undefined, now = new Date()): Promise<StepOutcome<TargetOutcome[]>> {
  const results: TargetOutcome[] = [];
  const lastCheck = lastCheckStatus(ctx.catalog, hostRepo(ctx));
  for (const target of ctx.global.offsite) {
    if (ctx.signal?.aborted) break;
    const gate = offsiteGate(target, { checkTonight, lastCheck, now, timezone: ctx.global.schedule.timezone });
    if (!gate.run) {
      const at = new Date().toISOString();
      recordOffsite(ctx.catalog, {
        runId: ctx.runId, host: ctx.host.name, target: target.name, kind: 'copy', location: offsiteLocation(target, ctx.host.name),
        startedAt: at, endedAt: at, durationMs: 0, status: 'skipped', error: gate.reason,
      });
      results.push({ target: target.name, status: 'skipped', reason: gate.reason });
      continue;
    }
    const rec = await copyToTarget(ctx, target, src);
    results.push({ target: target.name, status: rec.status, bytes: rec.bytes, checkDetail: rec.checkDetail, reason: rec.error, warning: rec.warning });
    ctx.logger.info({ step: 'offsite', target: target.name, status: rec.status, bytes: rec.bytes, check: rec.checkDetail }, `off-site ${target.name}: ${rec.status}${rec.error ? `: ${rec.error}` : ''}`);
  }
  const bad = results.filter((r) => r.status === 'failed' || r.status === 'refused');
  const warned = results.filter((r) => r.warning);
  const status: Status = bad.length > 0 ? 'failed' : warned.length > 0 ? 'warning' : results.every((r) => r.status === 'skipped') ? 'skipped' : 'ok';
  const said = [
    ...(status === 'failed' ? bad : results.filter((r) => r.status === 'skipped')).map((r) => `off-site ${r.target}: ${r.reason}`),
    ...warned.map((r) => `off-site ${r.target}: ${r.warning}`),
  ];
  return {
    status,
    error: said.length ? said.join('; ') : undefined,
    bytes: results.reduce((n, r) => n + (r.bytes ?? 0), 0),
    details: { targets: results },
    value: results,
  };
}
