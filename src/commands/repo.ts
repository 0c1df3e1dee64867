// `pullback repo accept-rollback --host NAME [--yes]`: after a crash or a bad disk rolled a host's
// repository back (issue 22), shows what is gone and, after confirmation, makes borg accept the
// repository as it is now (borg 1.2 FAQ: its security directory's manifest-timestamp and the local
// cache are deleted; the encryption counter is kept), records the archives that are gone as lost in
// the catalog (kept, never deleted), and checks the repository to prove it usable. Exit 0 only when
// that check and a fresh comparison with the catalog passed. It holds the host's job lock from
// before the first look at the repository to the end, like a restore: a night or a restore of the
// host makes it refuse (naming the holder, nothing changed), and a night started meanwhile waits.
import { JobError, UsageError } from '../errors.js';
import { acceptCommand, describeArchive, explainComparison } from '../archive/vanished.js';
import { markLost, unresolvedVanished } from '../catalog/vanished.js';
import { borgContext, hostRepo, recordStep, type HostContext } from '../job/context.js';
import { assertPreflight } from '../job/preflight.js';
import { takeHostLock } from '../lock/host-lock.js';
import type { HeldLock } from '../lock/run-lock.js';
import { checkHost, compareArchives } from '../nightly/maintain.js';
import { writeMetricsAfterJob } from '../report/metrics-write.js';
import { observeRepo } from '../tools/borg/repo-id.js';
import { acceptRepositoryState, buildDeleteCacheArgs, manifestTimestampFile } from '../tools/borg/security.js';
import { confirm, interruptSignal, openEnv, selectHosts, type GlobalOptions } from './common.js';
import { commandGroup, type Subcommand } from './group.js';

export interface AcceptRollbackOptions {
  host: string;
  yes: boolean;
}

/** Accepts the host's repository as it is now after confirmation; 0 when accepted and proven usable (or nothing to accept), 1 otherwise. UsageError without a terminal or --yes. */
export async function acceptRollbackCommand(g: GlobalOptions, o: AcceptRollbackOptions): Promise<number> {
  const env = openEnv(g, { repositories: true });
  const interrupt = interruptSignal(env.logger);
  let lock: HeldLock | undefined;
  try {
    const [host] = selectHosts(env.config, [o.host]);
    assertPreflight(env.config.global, { borg: true, ssh: false });
    // Never while a night archives (or prunes, or checks) the same repository, nor while a restore
    // or rollback reads it: the comparison, borg's memory of the repository and the lost marks
    // would each be true of a state that is changing underneath them.
    try {
      lock = takeHostLock(env.config.global.stateDir, host!.name, `accept-rollback of ${host!.name}`).lock;
    } catch (e) {
      if (e instanceof JobError) throw new JobError(`nothing changed: ${e.message}; run \`${acceptCommand(host!.name)}\` again once it has finished`);
      throw e;
    }
    const runId = env.catalog.startRun('accept-rollback', { host: host!.name });
    const hostId = env.catalog.startHost(runId, host!.name);
    const ctx: HostContext = { global: env.config.global, host: host!, catalog: env.catalog, runId, logger: env.logger.child({ runId, host: host!.name }), signal: interrupt.signal };
    const finish = (status: 'ok' | 'failed' | 'skipped', error?: string) => {
      env.catalog.finishHost(hostId, status, undefined, error);
      env.catalog.finishRun(runId, status === 'failed' ? 'failed' : 'ok', error);
    };
    const repo = hostRepo(ctx);
    const borg = borgContext(ctx);

    // What this comparison finds (a rollback, archives gone) is what the command accepts: a warning of
    // it, not a failure of a command that then exits 0. It fails only when it cannot compare at all.
    const before = await recordStep(ctx, 'compare_archives', undefined, async () => {
      const found = await compareArchives(ctx);
      return found.status === 'failed' && found.value ? { ...found, status: 'warning' as const } : found;
    });
    if (!before.value) {
      finish('failed', before.error);
      env.out(cannotCompare(host!.name, repo, before.error ?? before.status));
      return 1;
    }
    const c = before.value;
    // Archives noticed gone on an earlier night count too, though this comparison found them gone again.
    const lost = unresolvedVanished(env.catalog, repo, host!.name);
    if (!c.rolledBack && lost.length === 0) {
      finish('skipped', 'nothing to accept');
      env.out(`${host!.name}: nothing to accept: borg uses repository ${repo} as it is, and it holds every archive pullback recorded and never pruned (${c.expected}).`);
      return 0;
    }

    const id = c.rolledBack ? (await observeRepo(borg, repo)) : undefined;
    const steps = [
      ...(id?.kind === 'present'
        ? [
            `make borg accept the repository as it is now: delete ${manifestTimestampFile(borg, id.id)} (borg's memory of the newer state; the rest of its security directory, the encryption counter included, is kept) and borg's local cache of it (\`borg ${buildDeleteCacheArgs(repo).join(' ')}\`; the next archive rebuilds it)`,
          ]
        : []),
      ...(lost.length > 0 ? [`record ${lost.length} archive(s) as lost in the catalog (kept there with what they held; never offered for a restore): ${lost.map(describeArchive).join('; ')}`] : []),
      'check the repository and its archives (borg check) to prove it usable',
    ];
    env.out([explainComparison({ ...c, vanished: lost }), '', `This will, for ${host!.name}:`, ...steps.map((s, i) => `  ${i + 1}. ${s}`), "Nothing in the repository's data is changed."].join('\n'));
    if (!o.yes) {
      if (!process.stdin.isTTY) {
        finish('skipped', 'not confirmed: no terminal and no --yes');
        throw new UsageError(`nothing changed: stdin is not a terminal to confirm on; once the above is understood, pass --yes (pullback repo accept-rollback --host ${host!.name} --yes)`);
      }
      if (!(await confirm(`Accept repository ${repo} as it is now?`))) {
        finish('skipped', 'declined');
        env.out('Nothing changed.');
        return 1;
      }
    }

    if (id?.kind === 'present') {
      const accepted = await recordStep(ctx, 'accept_state', undefined, async () => ({ status: 'ok' as const, details: await acceptRepositoryState(borg, repo, id.id) }));
      if (accepted.status !== 'ok') {
        finish('failed', accepted.error);
        env.out(`${host!.name}: borg could not be made to accept the repository: ${accepted.error}. The catalog was not changed.`);
        return 1;
      }
    }
    markLost(env.catalog, repo, lost.map((a) => a.name));
    env.logger.warn({ repository: repo, lost: lost.map((a) => a.name) }, `recorded ${lost.length} archive(s) as lost`);

    // The proof: borg lists the repository again without refusing it, nothing else is missing, and its check passes.
    const after = await recordStep(ctx, 'compare_archives', undefined, () => compareArchives(ctx));
    const check = await recordStep(ctx, 'check', undefined, () => checkHost(ctx, { repository: true, archives: true, verifyData: false }));
    const lostLine = lost.length > 0 ? `${lost.length} archive(s) recorded as lost (${lost.map((a) => a.name).join(', ')})` : 'no archive recorded as lost';
    if (after.status !== 'ok' || (check.status !== 'ok' && check.status !== 'warning')) {
      const why = after.status !== 'ok' ? after.error : check.error;
      finish('failed', why);
      // The check found damage (recorded: red until a whole check passes), e.g. what a repair undone by the rollback had repaired: the repair is the next step.
      const repair = after.status === 'ok' && check.status === 'failed' ? ` The check recorded the damage it found: \`pullback check --host ${host!.name} --repair\` repairs it (docs/operations.md, "Repairing a damaged repository").` : '';
      env.out(`${host!.name}: accepted, ${lostLine}, but the repository is not proven usable: ${why ?? 'the check did not pass'}.${repair} See docs/operations.md ("A repository that went back in time").`);
      return 1;
    }
    finish('ok');
    await writeMetricsAfterJob(env);
    env.out(`${host!.name}: repository ${repo} accepted as it is now; ${lostLine}; borg check of the repository and its archives passed (${c.expected - lost.length} archive(s) there). The next \`pullback run\` archives normally.`);
    return 0;
  } finally {
    lock?.release();
    interrupt.dispose();
    env.close();
  }
}

/** Why nothing was accepted when borg could not even list the repository, in plain words, with the next commands. */
export function cannotCompare(host: string, repo: string, why: string): string {
  return (
    `${host}: cannot compare the repository with the catalog: ${why}. Nothing changed: borg could not list repository ${repo}, ` +
    'so what is gone from it cannot be named and nothing is accepted yet. ' +
    `Run \`pullback check --host ${host}\` to find out whether the repository is damaged (it records what it finds); ` +
    `if it is, \`pullback check --host ${host} --repair\` repairs it (docs/operations.md, "Repairing a damaged repository"); ` +
    `then run \`${acceptCommand(host)}\` again.`
  );
}

const acceptRollback: Subcommand = {
  name: 'accept-rollback',
  usage: 'pullback repo accept-rollback --host NAME [--yes]',
  summary: "after a crash or a bad disk rolled a host's repository back: accept it as it is now, record the archives that are gone as lost, and check it",
  options: {
    host: { type: 'string', multiple: true, short: 'H', value: 'NAME', description: 'the host whose repository is accepted (exactly one)' },
    yes: { type: 'boolean', short: 'y', description: 'accept without asking (scripts: needed when stdin is not a terminal)' },
  },
  run: async (g, v, args) => {
    const hosts = (v.host as string[] | undefined) ?? [];
    if (args.length > 0 || hosts.length !== 1) throw new UsageError('usage: pullback repo accept-rollback --host NAME [--yes]');
    return acceptRollbackCommand(g, { host: hosts[0]!, yes: !!v.yes });
  },
};

export const repoSpec = commandGroup('repo', "a host's repository: accept-rollback accepts it after a crash or a bad disk rolled it back", [acceptRollback]);
