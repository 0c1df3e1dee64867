// A command's link to the fleet catalog: pushes (serialized, coalesced) and the heartbeat, with the
// rule that PostgreSQL being unreachable never changes a command's outcome: one warning, the records
// stay in the local catalog, and the next command that reaches PostgreSQL catches up.
import type { Logger } from 'pino';
import type { Config } from '../../config/types.js';
import type { Db } from '../db.js';
import { describeUrl, openFleetDb, type FleetDb } from './connect.js';
import { heartbeatOf, writeHeartbeat } from './heartbeat.js';
import { pushCatalog, type PushReport } from './sync.js';

export class FleetLink {
  private kp: Promise<FleetDb> | undefined;
  readonly backupHost: string;
  readonly url: string;
  private running: Promise<PushReport | undefined> | undefined;
  private again = false;
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
    await writeHeartbeat(k, heartbeatOf(this.config));
    return report;
  }

  /**
   * A push soon, for a night's host that ended: one at a time, and one more after the running one when
   * asked meanwhile. Never rejects: a failure is logged (a warning the first time) and left to the next.
   */
  syncSoon(db: Db): Promise<PushReport | undefined> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = async (): Promise<PushReport | undefined> => {
      let report: PushReport | undefined;
      do {
        this.again = false;
        try {
          report = await this.pushNow(db);
          // Reachable again: the next outage is warned of again (a daemon lives through several).
          if (this.warned) this.logger.info(`the fleet catalog ${this.url} is reachable again: caught up`);
          this.warned = false;
          this.logger.debug({ fleetCatalog: this.url, pushed: report.tables.filter((t) => t.rows > 0 || t.blocks > 0) }, 'fleet catalog: pushed');
        } catch (e) {
          this.unreachable(e);
          return undefined;
        }
      } while (this.again);
      return report;
    };
    this.running = run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Logs PostgreSQL's failure: a warning once per outage, then debug lines. */
  unreachable(e: unknown): void {
    const msg = `the fleet catalog ${this.url} could not be reached or written (${(e as Error)?.message ?? e}): this backup host's records stay in its local catalog and the next command that reaches it catches up`;
    if (this.warned) this.logger.debug({ err: e }, msg);
    else this.logger.warn(msg);
    this.warned = true;
  }

  async close(): Promise<void> {
    await this.running;
    const k = await this.kp?.catch(() => undefined);
    await k?.destroy();
  }
}
