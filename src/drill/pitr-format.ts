// The PITR drill's results for people (drill output, problems) and as JSON (drill --json, and the
// drills row of the catalog, where they are kept beside the dumps' results with kind 'pitr'). Pure.
import type { PitrDrillResult, XactRef } from './pitr-result.js';

const seconds = (ms: number | undefined) => (ms === undefined ? null : Math.round(ms / 100) / 10);
const utc = (iso: string | undefined) => (iso ? iso.replace('T', ' ').replace('Z', ' UTC') : '-');
const xact = (x: XactRef | undefined) => (x ? { xid: x.xid, time: x.time, lsn: x.lsn, kind: x.kind } : null);

/** One source's PITR drill as JSON (snake_case): the point, the measured RTO and its parts, the transactions around the point, the checks. */
export function pitrJson(p: PitrDrillResult): Record<string, unknown> {
  return {
    source: p.source,
    status: p.status,
    target: p.target ?? null,
    chosen: p.chosen ?? null,
    window: p.window ? { oldest: p.window.oldest, newest: p.window.newest } : null,
    base_archive: p.baseArchive ?? null,
    wal_archives: p.walArchives ?? [],
    wal_files: p.walFiles ?? null,
    rto_seconds: seconds(p.rtoMs),
    extraction_seconds: seconds(p.extractMs),
    replay_seconds: seconds(p.replayMs),
    last_commit: xact(p.lastCommit),
    stopped_before: xact(p.stop),
    first_commit_after: xact(p.firstCommitAfter),
    checks: p.checks.map((c) => ({ name: c.name, ok: c.ok, got: c.got ?? null, expected: c.expected, error: c.error ?? null })),
    error: p.error ?? null,
    note: p.note ?? null,
  };
}

/** As kept in the drills row (its databases column): the JSON, marked as a PITR drill. */
export function pitrRecord(p: PitrDrillResult): Record<string, unknown> {
  return { kind: 'pitr', ...pitrJson(p) };
}

/** People-facing problems of the PITR drills that did not pass. */
export function pitrProblems(r: { pitr: readonly PitrDrillResult[] }): string[] {
  return r.pitr
    .filter((p) => p.status !== 'ok')
    .map((p) => `PITR ${p.source}${p.target ? ` to ${utc(p.target)}` : ''}: ${p.status === 'unverified' ? 'UNVERIFIED: ' : ''}${p.error ?? p.status}`);
}

/** The RTO and its parts, for people: "RTO 9.4 s (extraction 2.1 s, WAL replay 7.3 s)". */
export function rtoText(p: { rtoMs?: number; extractMs?: number; replayMs?: number }): string {
  if (p.rtoMs === undefined) return 'RTO not measured';
  return `RTO ${seconds(p.rtoMs)} s (extraction ${seconds(p.extractMs)} s, WAL replay ${seconds(p.replayMs)} s)`;
}

/** The lines `pullback drill` prints for each PITR drill of `host`. */
export function pitrLines(host: string, pitr: readonly PitrDrillResult[]): string[] {
  return pitr.flatMap((p) => {
    const status = p.status === 'ok' ? 'PASS' : p.status.toUpperCase();
    const head = `  ${host}/${p.source}: ${status}${p.target ? ` to ${utc(p.target)} (${p.chosen === 'given' ? 'given with --at' : `drawn from the window ${utc(p.window?.oldest)} to ${utc(p.window?.newest)}`})` : ''}`;
    if (p.rtoMs === undefined) return [head, ...(p.error ? [`    ${p.error}`] : [])];
    const lines = [`${head}: ${rtoText(p)}`];
    lines.push(`    recovered from base backup ${p.baseArchive ?? '-'} and ${p.walFiles ?? 0} WAL file(s) in a scratch cluster: started, promoted, answered queries`);
    if (p.lastCommit) lines.push(`    last commit at or before the point: transaction ${p.lastCommit.xid} at ${p.lastCommit.time} (WAL ${p.lastCommit.lsn})${p.status === 'ok' ? ': committed in the recovered cluster' : ''}`);
    if (p.stop) lines.push(`    recovery stopped before the ${p.stop.kind} of transaction ${p.stop.xid} at ${p.stop.time}${p.firstCommitAfter && p.firstCommitAfter.xid !== p.stop.xid ? `; first commit after the point: ${p.firstCommitAfter.xid} at ${p.firstCommitAfter.time}` : ''}${p.status === 'ok' ? ', not applied' : ''}`);
    if (p.note) lines.push(`    ${p.note}`);
    lines.push(`    ${p.checks.length === 0 ? 'no SQL restore check configured for this source' : `${p.checks.filter((c) => c.ok).length} of ${p.checks.length} SQL check(s) passed`}`);
    if (p.error) lines.push(`    FAILED: ${p.error}`);
    return lines;
  });
}
