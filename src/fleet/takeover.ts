// `pullback fleet takeover HOST`'s probe and record: each adopted server's repository is read here
// (borg list, with this backup host's passphrase and its own cache) to prove this backup host reaches
// it and holds its key, then the servers' new home is written to the fleet catalog (homes.ts), checked
// once more there against a heartbeat or lease that came back meanwhile.
import type { Logger } from 'pino';
import type { Config } from '../config/types.js';
import { listArchives } from '../tools/borg/list.js';
import { localRepoExists } from '../tools/borg/repo.js';
import { recordTakeover } from '../catalog/fleet/homes.js';
import type { FleetDb } from '../catalog/fleet/connect.js';
import type { TakeoverPlan } from './takeover-plan.js';

/** Reads every listed server's repository; sets each one's archive count, or its problem. */
export async function probeRepositories(plan: TakeoverPlan, config: Config, logger: Logger): Promise<TakeoverPlan> {
  const servers = [];
  for (const s of plan.servers) {
    if (!s.repository || s.problem) {
      servers.push(s);
      continue;
    }
    // borg list of a local path that holds no repository says nothing (an empty list): say it is not there.
    if (localRepoExists(s.repository) === false) {
      servers.push({ ...s, problem: `no repository at ${s.repository} here (is the storage mounted, is repository.path the one ${plan.from} used?)` });
      continue;
    }
    try {
      const archives = await listArchives({ repository: config.global.repository, stateDir: config.global.stateDir, logger }, s.repository);
      servers.push({ ...s, archives: archives.length });
    } catch (e) {
      servers.push({ ...s, problem: `its repository does not answer here: ${(e as Error).message.split('\n')[0]}` });
    }
  }
  return { ...plan, servers };
}

/** Records the plan's servers' home as this backup host; the reason when the fleet catalog refused it. */
export function applyTakeover(k: FleetDb, plan: TakeoverPlan): Promise<string | undefined> {
  return recordTakeover(
    k,
    plan.from,
    plan.to,
    plan.servers.map((s) => s.name),
  );
}
