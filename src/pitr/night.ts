// The night's step of a source with pitr: a PostgreSQL base backup, or the binary logs archived
// beside a MariaDB/MySQL source's dump (handed to the night by the run command).
import type { DumpRecord } from '../archive/manifest.js';
import type { SourceConfig } from '../config/types.js';
import type { HostContext, StepOutcome } from '../job/context.js';
import { takeBaseBackup } from './base-backup.js';
import { archiveBinlogs } from './binlog-night.js';

/** The night's point-in-time recovery step of `source`, given tonight's verified dumps of it. */
export function nightPitr(ctx: HostContext, source: SourceConfig, dumps: readonly DumpRecord[]): Promise<StepOutcome<unknown>> {
  return source.pitr?.engine === 'postgres' ? takeBaseBackup(ctx, source) : archiveBinlogs(ctx, source, dumps);
}
