// `pullback check --repair`: borg check --repair of the host's repository, then a whole check that
// proves it (and resolves the open failures it covers). What borg replaced with zeros stays damaged
// in the archives that hold it: recorded in the catalog (a restore refuses those files, status is
// amber for their source), whatever the proof says; the next night archives the mirror whole again.
import { openRepo } from '../archive/repo-identity.js';
import { acceptCommand } from '../archive/vanished.js';
import { openDamage } from '../catalog/check-damage.js';
import { forgetHealed, recordZeroed } from '../catalog/zeroed-files.js';
import { describeError } from '../errors.js';
import { repairRepo } from '../tools/borg/repair.js';
import { rememberRepositoryState } from '../tools/borg/security.js';
import { borgContext, hostRepo, type HostContext, type StepOutcome } from '../job/context.js';
import { checkHost } from './maintain.js';

export interface RepairValue {
  /** Files borg gave all-zero replacement chunks, per archive: damaged for good in those archives. */
  zeroed: Array<{ archive: string; path: string }>;
  /** Files an earlier repair zero-filled that borg healed this time, per archive. */
  healed?: Array<{ archive: string; path: string }>;
  /** The check after the repair read every chunk (--verify-data) too. */
  verifyData: boolean;
  /** The proving check's outcome. */
  proof?: StepOutcome<string[]>;
  /** The repaired manifest's time, which borg now remembers (`borg info`: repository.last_modified). */
  manifestTime?: string;
}

/** Whether the repair of the host's repository reads every chunk: asked, or an open data-check failure needs it. */
export function repairReadsData(ctx: HostContext, asked: boolean): boolean {
  return asked || openDamage(ctx.catalog, hostRepo(ctx), ctx.host.name).some((d) => d.kind === 'data');
}

/** Repairs the host's repository and proves it with a whole check; failed when either fails. */
export async function repairHost(ctx: HostContext, opts: { verifyData: boolean }): Promise<StepOutcome<RepairValue>> {
  const repo = hostRepo(ctx);
  const verifyData = repairReadsData(ctx, opts.verifyData);
  if ((await openRepo(borgContext(ctx), ctx.catalog, repo, ctx.host.name, 'read')) === 'absent') {
    return { status: 'failed', error: `no repository at ${repo}: nothing to repair`, value: { zeroed: [], verifyData } };
  }
  const r = await repairRepo(borgContext(ctx), repo, verifyData);
  // What borg did to the archives is done, whether or not the proof below passes.
  recordZeroed(ctx.catalog, repo, ctx.host.name, r.zeroed, ctx.runId);
  forgetHealed(ctx.catalog, repo, r.healed);
  ctx.logger.info({ step: 'repair', repository: repo, zeroed: r.zeroed, borg: r.said }, `borg check --repair of ${repo}: ${r.verdict.kind}, ${r.zeroed.length} file(s) given all-zero chunks`);
  if (r.verdict.kind === 'failed' && (r.verdict.cause || r.said.length === 0)) {
    return { status: 'failed', error: `borg check --repair of ${repo} could not run: ${r.verdict.reason}${r.said.length ? ` (${r.said.slice(-2).join(' | ')})` : ''}`, value: { zeroed: r.zeroed, verifyData } };
  }
  // borg committed the repair in a transaction of its own that borg's security directory never hears
  // of (borg check opens no cache): until borg remembers it, a crash or a bad disk that cuts the
  // repository's last segment (the repair's commit) rolls the repair back unnoticed, the damage it
  // repaired back in the archives while borg lists them all, the repository check passes and the
  // next archive is made over it (soak, seed 202, night 97). Remembered, that rollback is refused
  // and named like any other (compare_archives, `pullback repo accept-rollback`).
  let manifestTime: string | undefined;
  const unremembered = (why: string): StepOutcome<RepairValue> => ({
    status: 'failed',
    error: `borg check --repair of ${repo} ran, but ${why}`,
    details: { zeroed: r.zeroed },
    value: { zeroed: r.zeroed, healed: r.healed, verifyData },
  });
  try {
    const remembered = await rememberRepositoryState(borgContext(ctx), repo);
    if (remembered.kind === 'rolled-back') {
      return unremembered(`borg refuses the repaired repository: ${remembered.reason}. It went back in time before this repair (or during it): accept it as it is now first (\`${acceptCommand(ctx.host.name)} --yes\`: its check tells whether this repair holds), then repair again if that check fails`);
    }
    manifestTime = remembered.lastModified;
  } catch (e) {
    return unremembered(`borg could not open the repaired repository to remember its state (borg info): ${describeError(e)}; a rollback of this repair would go unnoticed, so the repository still counts as damaged: run pullback check --repair --host ${ctx.host.name} again`);
  }
  // The repair is now the newest write to the repository: a rollback refused before the next archive lost it (archive/vanished.ts).
  ctx.catalog.recordCheck(repo, 'repair', ctx.host.name, 'ok');
  const proof = await checkHost(ctx, { repository: true, archives: true, verifyData });
  const value = { zeroed: r.zeroed, healed: r.healed, verifyData, proof, ...(manifestTime ? { manifestTime } : {}) };
  if (proof.status === 'failed' || proof.status === 'interrupted') {
    return { status: 'failed', error: `the repair did not make ${repo} whole: the check after it failed: ${proof.error}`, details: { zeroed: r.zeroed }, value };
  }
  return { status: 'ok', details: { zeroed: r.zeroed, proof: verifyData ? 'borg check --verify-data' : 'borg check', ...(manifestTime ? { manifestTime } : {}) }, value };
}
