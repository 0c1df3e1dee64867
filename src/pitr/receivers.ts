// Every configured receiver (WAL of PostgreSQL sources, binary logs of MariaDB/MySQL ones), started together under `pullback daemon` and stopped by its signal.
import type { Logger } from 'pino';
import type { Catalog } from '../catalog/catalog.js';
import type { Config, HostConfig, SourceConfig } from '../config/types.js';
import { pgBinDir } from '../engines/postgres-wal.js';
import { superviseReceiver } from './receiver.js';
import { describeError } from '../errors.js';

/** The sources with `pitr:`, each with its host. */
export function pitrSources(config: Pick<Config, 'hosts'>): Array<{ host: HostConfig; source: SourceConfig }> {
  return config.hosts.flatMap((host) => host.sources.filter((s) => s.pitr !== undefined).map((source) => ({ host, source })));
}

/** Supervises the receiver of every PITR source until `signal` fires; resolves once all stopped. */
export async function runReceivers(config: Config, catalog: Catalog, logger: Logger, signal: AbortSignal, onGap?: (host: HostConfig, source: SourceConfig, gap: string) => void): Promise<void> {
  const bin = pgBinDir();
  const all = pitrSources(config);
  if (all.length > 0) logger.info({ receivers: all.map((r) => `${r.host.name}/${r.source.name}`) }, `receivers (WAL, binary logs) starting: ${all.length}`);
  await Promise.all(
    all.map(({ host, source }) =>
      // A receiver that could not even record its state (the catalog unwritable) must not take the daemon down.
      superviseReceiver({ global: config.global, host, source, catalog, logger, signal, bin, ...(onGap ? { onGap: (gap: string) => onGap(host, source, gap) } : {}) }).catch((e: unknown) =>
        logger.error({ receiver: `${host.name}/${source.name}`, err: describeError(e) }, `WAL receiver of ${host.name}/${source.name} gave up: ${describeError(e)}`),
      ),
    ),
  );
}
