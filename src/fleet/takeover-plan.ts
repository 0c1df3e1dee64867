// The plan of `pullback fleet takeover HOST`, pure: whether HOST may be taken over (its heartbeat older
// than its max_age, no lease of it alive), the servers this backup host would adopt, each with its
// repository here (this backup host's repository.path) or why it cannot be adopted (not in this backup
// host's hosts_dir). Whether each repository answers is probed by takeover.ts.
import type { Config } from '../config/types.js';
import { repositoryPath } from '../config/types.js';
import type { SilentHostFacts } from '../catalog/fleet/homes.js';
import { humanDuration } from '../util/table.js';

export interface TakeoverServer {
  name: string;
  /** Its repository as this backup host reaches it; undefined when this backup host does not list the server. */
  repository?: string;
  /** Why it cannot be adopted as things are (set by the plan or by the probe). */
  problem?: string;
  /** What the probe found there (borg list). */
  archives?: number;
}

export interface TakeoverPlan {
  from: string;
  to: string;
  /** Why HOST may not be taken over now (each named); empty: it may. */
  refusals: string[];
  servers: TakeoverServer[];
}

/** The plan of taking `facts.name`'s servers over to this backup host (`config`). */
export function planTakeover(facts: SilentHostFacts, config: Config): TakeoverPlan {
  const me = config.global.backupHost;
  const refusals: string[] = [];
  if (facts.heartbeatAgeSeconds <= facts.maxAgeSeconds)
    refusals.push(
      `backup host ${facts.name} is alive: its last heartbeat is ${humanDuration(facts.heartbeatAgeSeconds * 1000)} old, within its max_age of ${humanDuration(facts.maxAgeSeconds * 1000)}; a takeover is for a backup host that stopped (pullback status shows it red)`,
    );
  for (const l of facts.liveLeases)
    refusals.push(`backup host ${facts.name} still holds the lease on ${l.mainServer} until ${l.expiresAt.toISOString()}: it may be backing it up; take over once it has expired`);
  const listed = new Set(config.hosts.map((h) => h.name));
  const servers = facts.servers.map((name): TakeoverServer =>
    listed.has(name)
      ? { name, repository: repositoryPath(config.global, name) }
      : { name, problem: `not in ${me}'s hosts_dir: add its host file (the same as on ${facts.name}, with the repository ${me} reaches) first` },
  );
  return { from: facts.name, to: me, refusals, servers };
}
