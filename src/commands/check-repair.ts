// `pullback check --repair`: says what it will do, asks (or takes --yes), then per host borg check
// --repair and a whole check that proves it, recorded like any check; ends with what happens next.
import { UsageError } from '../errors.js';
import { openDamage } from '../catalog/check-damage.js';
import type { Catalog } from '../catalog/catalog.js';
import { repositoryPath } from '../config/types.js';
import { recordStep, type StepOutcome } from '../job/context.js';
import { repairHost, type RepairValue } from '../nightly/repair.js';
import { confirm, type GlobalOptions } from './common.js';
import { perHost, type MaintainOptions, type Prelude } from './per-host.js';

/** Runs the repair after confirmation; exit 2 without a terminal and without --yes (nothing done). */
export function repairCommand(g: GlobalOptions, opts: MaintainOptions): Promise<number> {
  const what = opts.hosts?.length ? opts.hosts.map((h) => ` --host ${h}`).join('') : '';
  if (!opts.yes && !process.stdin.isTTY) {
    return Promise.reject(new UsageError(`nothing repaired: stdin is not a terminal to confirm on; read docs/operations.md ("Repairing a damaged repository"), then pass --yes (pullback check --repair${what} --yes)`));
  }
  const prelude: Prelude = async (env, hosts) => {
    env.out(['pullback check --repair will, for each repository below:', ...hosts.map((h) => planLine(h.name, repositoryPath(env.config.global, h.name), env.catalog)), ...PLAN].join('\n'));
    if (opts.yes) return undefined;
    if (await confirm('Repair now?')) return undefined;
    env.out('Nothing repaired: the repository was left as it is.');
    return 1;
  };
  return perHost(g, 'check', opts, async (ctx) => [await recordStep(ctx, 'repair', undefined, () => repairHost(ctx, { verifyData: !!opts.verifyData }))], afterRepair, prelude);
}

function planLine(host: string, repo: string, catalog: Catalog): string {
  const open = openDamage(catalog, repo, host).map((d) => `${d.kind} check failed ${d.failedAt}`);
  return `  ${host}: ${repo} (${open.length ? `open failures: ${open.join('; ')}` : 'no failed check recorded'})`;
}

const PLAN = [
  '  1. borg check --repair: borg deletes every chunk it cannot read and replaces the parts of files that used them with zeros;',
  '     those files stay damaged in every archive that holds them (they are named below when borg names them).',
  '  2. a whole borg check (with --verify-data when a data check failed) to prove the repository is consistent again.',
  'It cannot be undone; a copy of the repository directory first is the careful way (docs/operations.md).',
];

/** The table's detail and what happens next, for one host. */
const afterRepair = (host: string, outcomes: Array<StepOutcome<unknown>>): string[] => {
  const o = outcomes[0];
  const v = o?.value as RepairValue | undefined;
  if (!o || !v) return [];
  const proved = v.verifyData ? 'borg check --verify-data' : 'borg check';
  const detail = o.status === 'ok' ? `repaired; ${proved} passed after it` : '';
  const zeroed = v.zeroed.length
    ? [
        `Files borg replaced (in part) with zeros, damaged for good in these archives:`,
        ...v.zeroed.map((z) => `  ${z.archive}: ${z.path}`),
        `These are recorded in the catalog: a restore of these files from these archives is refused (its readiness checklist names an archive that holds them whole), and ${host} is AMBER in pullback status until a night has archived them again and an archives check passed.`,
      ]
    : [`borg named no file it replaced with zeros.`];
  const healed = v.healed?.length ? [`Files borg healed (their original chunks are back), no longer zero-filled:`, ...v.healed.map((z) => `  ${z.archive}: ${z.path}`)] : [];
  const next =
    o.status === 'ok'
      ? [
          `What happens next for ${host}:`,
          `  - The next night archives the current mirror again, so the newest archive holds whole data again.`,
          `  - Older archives keep the zeroed files: restore those files from an archive made after this repair.`,
          `  - If the next night stores the same data again, a later pullback check --repair --host ${host} can heal the old archives too (borg puts the original chunks back).`,
        ]
      : [`The repair did not make the repository whole: the repository still counts as damaged. Keep a copy of it, look at the log (pullback logs), and see docs/operations.md.`];
  return [detail, ...zeroed, ...healed, ...next];
};
