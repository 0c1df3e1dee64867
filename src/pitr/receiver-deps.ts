// What a receiver (WAL or binary log) is given by the daemon.
import type { Logger } from 'pino';
import type { Catalog } from '../catalog/catalog.js';
import type { GlobalConfig, HostConfig, SourceConfig } from '../config/types.js';

export interface ReceiverDeps {
  global: GlobalConfig;
  host: HostConfig;
  source: SourceConfig;
  catalog: Catalog;
  logger: Logger;
  signal: AbortSignal;
  /** PostgreSQL's bin directory ('' for PATH). */
  bin: string;
  /** Seconds between probes (default 5). */
  probeSeconds?: number;
  /** Told once when a gap is found (the daemon answers with a base backup at once: a run of the host). */
  onGap?: (gap: string) => void;
}
