// The database part of a drill: each restored dump goes into a scratch database (created and
// dropped by the drill), per-table row counts are compared with those recorded at dump time, and
// the host's SQL restore checks run against it.
import type { HostContext } from '../context.js';
import type { DumpRecord } from '../database.js';

export interface RestoredDump {
  /** Archive path of the dump. */
  path: string;
  /** The restored (extracted) dump file. */
  file: string;
  source: string;
  record: DumpRecord;
}

export interface TableCount {
  table: string;
  expected?: number;
  actual?: number;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  got?: string;
  expected: string;
  error?: string;
}

export interface DatabaseDrillResult {
  path: string;
  engine: string;
  database: string;
  status: 'ok' | 'failed' | 'skipped';
  /** Scratch database (or file) the dump was restored into. */
  scratch?: string;
  tables: TableCount[];
  checks: CheckResult[];
  error?: string;
}

/** Restores each dump into a scratch database and compares it; one result per dump. */
export async function drillDatabases(_ctx: HostContext, dumps: readonly RestoredDump[], _seed: string): Promise<DatabaseDrillResult[]> {
  return dumps.map((d) => ({
    path: d.path,
    engine: d.record.engine,
    database: d.record.database,
    status: 'skipped',
    tables: [],
    checks: [],
    error: 'restoring dumps needs the database engines (not available yet)',
  }));
}
