// Database sources: taking dumps on the main server before the pull and verifying the pulled
// dumps after it. (Issue 3 fills these in; until then a configured `dump:` is refused.)
import type { SourceConfig } from '../config/types.js';
import type { HostContext, StepOutcome } from './context.js';

/** What pullback knows of one dump: written beside it on the server, verified after the pull, archived in the manifest. */
export interface DumpRecord {
  /** Path of the dump file relative to the source directory. */
  file: string;
  engine: string;
  database: string;
  format: 'custom' | 'sql' | 'sqlite' | 'globals';
  serverVersion?: string;
  startedAt?: string;
  endedAt?: string;
  size: number;
  sha256: string;
  /** Per-table row counts at dump time (for post-restore and drill comparisons). */
  rowCounts?: Record<string, number>;
}

/** Takes the dumps configured for `source` on the main server. */
export async function takeDumps(_ctx: HostContext, source: SourceConfig): Promise<StepOutcome<DumpRecord[]>> {
  return { status: 'failed', error: `source ${source.name}: taking dumps is not implemented yet` };
}

/** Verifies the pulled dumps of a database source (checksums, readability, age). */
export async function verifyDumps(_ctx: HostContext, _source: SourceConfig, _taken?: DumpRecord[]): Promise<StepOutcome<DumpRecord[]>> {
  return { status: 'ok', value: [] };
}
