// pullback fleet takeover HOST [--yes]: a person moves a silent backup host's main servers to this one
// (docs/fleet.md, "Takeover"). Refused while HOST's heartbeat is fresh or any of its leases is alive
// (each named); otherwise the plan (each server, its repository here, whether it answers), then after
// confirmation the fleet catalog records this backup host as their home, so its next night runs them.
import { JobError, UsageError } from '../errors.js';
import { silentHostFacts } from '../catalog/fleet/homes.js';
import { planTakeover } from '../fleet/takeover-plan.js';
import { applyTakeover, probeRepositories } from '../fleet/takeover.js';
import { humanDuration, renderTable } from '../util/table.js';
import { confirm, openEnv, type GlobalOptions } from './common.js';
import { commandGroup, type Subcommand } from './group.js';

/** 0 when taken over (or nothing to take), 1 when refused or declined; UsageError for a bad HOST or no terminal without --yes. */
export async function takeoverCommand(g: GlobalOptions, from: string, yes: boolean): Promise<number> {
  const env = openEnv(g);
  try {
    if (!env.fleet) throw new UsageError(`${env.config.global.file} has no catalog: (catalog.url): a takeover is recorded in the fleet's PostgreSQL catalog`);
    const me = env.fleet.backupHost;
    if (from === me) throw new UsageError(`${from} is this backup host: a takeover adopts another backup host's servers`);
    let k;
    let facts;
    try {
      // This backup host's own records and heartbeat first: the fleet catalog then lists it with its servers.
      await env.fleet.pushNow(env.catalog.db);
      k = await env.fleet.db();
      facts = await silentHostFacts(k, from);
    } catch (e) {
      throw new JobError(`the fleet catalog ${env.fleet.url} could not be reached: ${(e as Error).message}; a takeover needs it (it records who backs the servers up)`);
    }
    if (!facts) throw new UsageError(`no backup host ${from} in the fleet catalog ${env.fleet.url} (pullback status lists the fleet's backup hosts)`);
    const first = planTakeover(facts, env.config);
    if (first.refusals.length > 0) {
      throw new JobError(`refusing to take over ${from}:\n${first.refusals.map((r) => `  - ${r}`).join('\n')}\nNothing was changed.`);
    }
    if (first.servers.length === 0) {
      env.out(`backup host ${from} has no servers left to take over: nothing to do.`);
      return 0;
    }
    const plan = await probeRepositories(first, env.config, env.logger);
    env.out(`Take over backup host ${from} (last heartbeat ${humanDuration(facts.heartbeatAgeSeconds * 1000)} ago, max_age ${humanDuration(facts.maxAgeSeconds * 1000)}; no live lease) to ${me}:`);
    env.out(renderTable(['SERVER', 'REPOSITORY', 'REACHABLE HERE'], plan.servers.map((s) => [s.name, s.repository ?? '-', s.problem ? `NO: ${s.problem}` : `yes (${s.archives} archive${s.archives === 1 ? '' : 's'})`])));
    const blocked = plan.servers.filter((s) => s.problem);
    if (blocked.length > 0) throw new JobError(`refusing to take over ${from}: ${blocked.map((s) => s.name).join(', ')} cannot be backed up from ${me} as things are (above). Nothing was changed.`);
    if (!yes) {
      if (!process.stdin.isTTY) throw new UsageError(`not taken over: stdin is not a terminal to confirm on; once the plan above is checked, pass --yes (pullback fleet takeover ${from} --yes)`);
      if (!(await confirm(`Record ${me} as the home of ${plan.servers.map((s) => s.name).join(', ')}?`))) {
        env.out('Not taken over: nothing was changed.');
        return 1;
      }
    }
    const refused = await applyTakeover(k, plan);
    if (refused) throw new JobError(`not taken over: ${refused}`);
    env.logger.warn({ from, to: me, servers: plan.servers.map((s) => s.name) }, `took over ${plan.servers.length} server(s) of backup host ${from}`);
    env.out(
      `Recorded in the fleet catalog: ${me} is now the home of ${plan.servers.map((s) => s.name).join(', ')}; its next night (pullback run) backs them up, and ${from} skips them if it comes back.\n` +
        `Make it last without PostgreSQL too: set backup_host: ${me} in their host files here.`,
    );
    return 0;
  } finally {
    env.close();
  }
}

const takeoverSub: Subcommand = {
  name: 'takeover',
  usage: 'pullback fleet takeover HOST [--yes]',
  summary: "adopt a silent backup host's main servers: refused while its heartbeat is fresh or a lease of it alive; the plan, then (confirmed) their home becomes this backup host",
  options: {
    yes: { type: 'boolean', short: 'y', description: 'take over without asking (needed when stdin is not a terminal)' },
  },
  run: async (g, v, args) => {
    if (args.length !== 1) throw new UsageError('usage: pullback fleet takeover HOST [--yes]');
    return takeoverCommand(g, args[0]!, !!v.yes);
  },
};

export const fleetSpec = commandGroup('fleet', "the fleet of backup hosts: takeover adopts a silent backup host's main servers (started by a person, never automatically)", [takeoverSub]);
