// A command's link to the fleet catalog: pushes (serialized, coalesced) and the heartbeat, with the
// rule that PostgreSQL being unreachable never changes a command's outcome: one warning, the records
// stay in the local catalog, and the next command that reaches PostgreSQL catches up.
import type { Logger } from 'pino';
import type { Config } from '../../config/types.js';
import type { Db } from '../db.js';
import { describeUrl, openFleetDb, type FleetDb } from './connect.js';
import { heartbeatOf, writeHeartbeat } from './heartbeat.js';
import { pushCatalog, type PushReport } from './sync.js';
import { installedVersion } from '../../util/install-root.js';

export class FleetLink {
  private kp: Promise<FleetDb> | undefined;
  readonly backupHost: string;
  readonly url: string;
  /** A push asked for and not started yet. */
  private queued: Promise<PushReport | undefined> | undefined;
  /** The last push asked for (running, queued or done). */
  private last: Promise<unknown> = Promise.resolve();
  private warned = false;

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
  ) {
    this.backupHost = config.global.backupHost;
    this.url = describeUrl(config.global.catalog!.url);
  }

  /** The Kysely handle (kysely and pg are loaded on first use). */
  db(): Promise<FleetDb> {
    this.kp ??= openFleetDb(this.config.global.catalog!);
    return this.kp;
  }

  /** Pushes the local catalog and writes the heartbeat now (rejects when PostgreSQL is unreachable). */
  async pushNow(db: Db): Promise<PushReport> {
    const k = await this.db();
    const report = await pushCatalog(db, k, this.backupHost);
    await writeHeartbeat(k, heartbeatOf(this.config, this.version()));
    return report;
  }

  /**
   * A push soon, for a night's host that ended: one at a time. A push asked for while one is queued
   * and not started yet is that one (it will see every write made before it starts); asked for while
   * one runs, it is queued after it. Never rejects: a failure is logged (a warning once per outage)
   * and left to the next push.
   */
  syncSoon(db: Db): Promise<PushReport | undefined> {
    if (this.queued) return this.queued;
    const push = this.last.then(async (): Promise<PushReport | undefined> => {
      this.queued = undefined;
      try {
        const report = await this.pushNow(db);
        // Reachable again: the next outage is warned of again (a daemon lives through several).
        if (this.warned) this.logger.info(`the fleet catalog ${this.url} is reachable again: caught up`);
        this.warned = false;
        this.logger.debug({ fleetCatalog: this.url, pushed: report.tables.filter((t) => t.blocks > 0) }, 'fleet catalog: pushed');
        return report;
      } catch (e) {
        this.unreachable(e);
        return undefined;
      }
    });
    this.queued = push;
    this.last = push;
    return push;
  }

  /** pullback's version, as the heartbeat records it (a fleet may run several during an upgrade). */
  private version(): string | undefined {
    try {
      return installedVersion();
    } catch {
      return undefined;
    }
  }

  /** Logs PostgreSQL's failure: a warning once per outage, then debug lines. */
  unreachable(e: unknown): void {
    const msg = `the fleet catalog ${this.url} could not be reached or written (${(e as Error)?.message ?? e}): this backup host's records stay in its local catalog and the next command that reaches it catches up`;
    if (this.warned) this.logger.debug({ err: e }, msg);
    else this.logger.warn(msg);
    this.warned = true;
  }

  async close(): Promise<void> {
    await this.last;
    const k = await this.kp?.catch(() => undefined);
    await k?.destroy();
  }
}
