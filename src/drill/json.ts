// `pullback drill --json` (docs/schemas/drill.schema.json): the seed and each host's drill, snake_case. Pure.
import { jsonDocument } from '../util/json-doc.js';
import { pitrJson } from './pitr-format.js';
import type { DrillResult } from './state.js';

/** One host's drill as JSON: what was sampled, restored and compared, and the verdict. */
function drillLine(r: DrillResult): unknown {
  return {
    drill_id: r.drillId,
    host: r.host,
    repository: r.repository,
    archive: r.archive ?? null,
    seed: r.seed,
    status: r.status,
    counts: { sampled: r.counts.sampled, matches: r.counts.matches, mismatches: r.counts.mismatches, changed: r.counts.changed, unverified: r.counts.unverified },
    unverified_reason: r.unverified ?? null,
    sampled: r.sampled,
    extracted: r.extracted,
    bytes_restored: r.bytesRestored,
    mismatches: r.mismatches.map((p) => ({ path: p.path, reason: p.reason })),
    changed: r.changed.map((p) => ({ path: p.path, reason: p.reason })),
    missing_on_origin: r.missingOnOrigin ? { count: r.missingOnOrigin.count, sampled: r.missingOnOrigin.sampled, text: r.missingOnOrigin.text, warning: r.missingOnOrigin.warning ?? null } : null,
    databases: r.databases.map((d) => ({
      path: d.path,
      engine: d.engine,
      database: d.database,
      status: d.status,
      scratch: d.scratch ?? null,
      tables: d.tables.map((t) => ({ table: t.table, expected: t.expected ?? null, actual: t.actual ?? null })),
      checks: d.checks.map((c) => ({ name: c.name, ok: c.ok, got: c.got ?? null, expected: c.expected, error: c.error ?? null })),
      error: d.error ?? null,
      note: d.note ?? null,
    })),
    pitr: r.pitr.map(pitrJson),
    warnings: r.warnings,
    error: r.error ?? null,
    duration_seconds: Math.round(r.durationMs / 100) / 10,
  };
}

/** The document: the seed that repeats these drills, then one entry per host drilled. */
export function drillJson(seed: string, results: readonly DrillResult[]): unknown {
  return jsonDocument({ seed, drills: results.map(drillLine) });
}
