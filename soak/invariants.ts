// The invariants of issue 22, checked after every step of the soak (docs/soak.md, "The invariants").
// A violation throws: the loop prints it with the seed and the command that replays it.
import { diffTrees, queryCatalog, snapshotTree, type TreeSnapshot } from '../test/harness/index.js';
import { HOST, MAX_AGE_S, fingerprints, mariaFingerprints, note, replay, unsupported, type Origin, type Result, type SoakState, type World } from './world.js';

export class Violation extends Error {}

/** Stops the soak: the invariant, the night, the step, and the command that replays it. */
export function violation(state: SoakState, what: string): never {
  throw new Violation(`INVARIANT VIOLATED at night ${state.night}, step ${state.step}: ${what}\nreplay: ${replay(state.night)}`);
}

/** The first lines pullback printed, for a progress line. */
export const firstLines = (r: Result) => `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => l.trim()).slice(0, 3).join(' | ').slice(0, 400);
/** The lines of pullback's output that say what failed (else its last lines), for a progress line. */
export function gist(r: Result): string {
  const lines = `${r.stdout}\n${r.stderr}`.split('\n').map((l) => l.trim()).filter((l) => l && !/^\[[\d:]+\] (INFO|DEBUG|TRACE)/.test(l));
  const bad = lines.filter((l) => /\b(FAIL(ED)?|fail(ed|s)?|error|ERROR|refused|REFUSED|cannot)\b/.test(l));
  return (bad.length > 0 ? bad.slice(0, 3) : lines.slice(-3)).join(' | ').slice(0, 500);
}
/**
 * Why an operator command failed, whole: every line of pullback's output that says what failed (its
 * log lines at INFO and below aside), else its last lines; each on its own indented line. A progress
 * line of its first lines only showed the warning a restore prints first (earlier interrupted
 * restores) and hid the reason (seed 4242: nine rollbacks of restore 15 exited 1 without one).
 */
export function reason(r: Result): string {
  const lines = `${r.stdout}\n${r.stderr}`.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() && !/^\[[\d:]+\] (INFO|DEBUG|TRACE)/.test(l.trim()));
  const bad = lines.filter((l) => /\b(FAIL(ED)?|fail(ed|s)?|error|ERROR|refused|REFUSED|cannot|not found|does not exist|unreadable)\b/.test(l));
  const shown = bad.length > 0 ? bad : lines.slice(-8);
  return shown.map((l) => `\n      ${l.length > 600 ? `${l.slice(0, 600)}...` : l}`).join('');
}
/** Everything a violation shows of a command. */
export const show = (r: Result) => `exit ${r.exitCode}${r.signalled ? ` (sent ${r.signalled}${r.killed ? ', died of it' : ''})` : ''}\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-3000)}`;

/** Invariants 2 and 3 after every step; `pruneAllowed` when the step was an exit-0 night or prune. */
export async function invariants(world: World, state: SoakState, pruneAllowed: boolean, context?: Result, listedNow?: string[]): Promise<void> {
  // Invariant 3: nothing an OK night archived is lost, except by retention after a night without failures.
  // borg list and pullback status read independently: side by side.
  const asked = Date.now();
  const [listed, s] = await Promise.all([listedNow ? Promise.resolve(listedNow) : world.listArchives(), world.cli(['status', '--host', HOST, '--json'])]);
  if (listed !== undefined) {
    state.checks++;
    const gone = [...state.okArchives].filter((a) => !listed.includes(a));
    // Archives a rolled-back repository lost are the fault's, not pullback's (status must be red meanwhile, below); flipped bytes lose none until a repair.
    if (gone.length > 0 && !pruneAllowed && state.damage !== 'rolled-back')
      violation(state, `archive(s) of OK nights lost in a step that failed or was no retention run: ${gone.join(', ')} (listed now: ${listed.join(', ')})${context ? `\n${show(context)}` : ''}`);
    for (const a of gone) {
      if (state.damage === 'rolled-back' && !pruneAllowed) note(`  ${a} gone with the injected damage (${state.damage})`);
      state.okArchives.delete(a);
    }
    state.known = listed;
  }
  // Invariant 2: never green while injected damage is unresolved, before anything was archived, or when
  // the newest archive is older than the host's max_age.
  state.checks++;
  let light = 'unknown';
  try {
    const doc = JSON.parse(s.stdout) as { hosts: Array<{ host: string; status: string }> };
    light = doc.hosts.find((h) => h.host === HOST)?.status ?? 'missing';
  } catch {
    if (s.exitCode === 0) violation(state, `status exited 0 without a readable verdict\n${show(s)}`);
  }
  if (state.damage !== 'none' && (light === 'green' || s.exitCode === 0)) violation(state, `status is ${light} (exit ${s.exitCode}) while the repository has unresolved damage (${state.damage}) that no repair fixed`);
  if (state.okNights === 0 && light === 'green') violation(state, 'status is green before any night succeeded');
  if (state.restoreInterrupted && light === 'green') violation(state, `status is green although restore ${state.interrupted.filter((i) => i.changed).map((i) => i.id).join(', ')} was killed after it changed the target and no restore or rollback of it finished since`);
  // The newest archive appeared at the latest when the command that made it ended (lastArchiveAt): if even
  // that is older than max_age when status was asked, the host's newest restorable point is too old.
  if (light === 'green' && state.lastArchiveAt !== undefined && asked - state.lastArchiveAt > MAX_AGE_S * 1000)
    violation(state, `status is green although the newest archive appeared ${((asked - state.lastArchiveAt) / 1000).toFixed(0)} s ago, more than the host's max_age (${MAX_AGE_S} s)\n${show(s)}`);
}

/** `snap` without the paths `loose` names. */
const without = (snap: TreeSnapshot, loose: Record<string, string[]> | undefined): TreeSnapshot => (loose ? Object.fromEntries(Object.entries(snap).filter(([k]) => !(k in loose))) : snap);

/** The differences between the files `want` says and what is in the world now (changing-files' paths: any version written during the pull). */
export function filesDiffer(world: World, want: Origin): string[] {
  const blobs = snapshotTree(world.blobs);
  const data = snapshotTree(world.data);
  const out = [...diffTrees(want.blobs, blobs).map((d) => `blobs: ${d}`), ...diffTrees(without(want.data, want.loose), without(data, want.loose)).map((d) => `data: ${d}`)];
  for (const [path, versions] of Object.entries(want.loose ?? {})) {
    const got = data[path];
    const v = got === undefined ? 'absent' : got.type === 'file' ? got.sha256! : got.type;
    if (!versions.includes(v)) out.push(`data: ${JSON.stringify(path)}: ${v === 'absent' ? 'missing' : v} is none of the ${versions.length} versions it had while the night pulled`);
  }
  return out;
}

/** The differences between the rows `want` says and the databases now. */
export async function rowsDiffer(world: World, want: Origin): Promise<string[]> {
  const out: string[] = [];
  const rows = JSON.stringify(await fingerprints(world.db));
  if (rows !== JSON.stringify(want.rows)) out.push(`database ${world.db} (source db):\nwant ${JSON.stringify(want.rows)}\ngot  ${rows}`);
  const cron = JSON.stringify(await fingerprints(world.cronDb));
  if (cron !== JSON.stringify(want.cronRows)) out.push(`database ${world.cronDb} (source cron):\nwant ${JSON.stringify(want.cronRows)}\ngot  ${cron}`);
  const maria = JSON.stringify(await mariaFingerprints(world.mariaDb));
  if (maria !== JSON.stringify(want.mariaRows)) out.push(`MariaDB database ${world.mariaDb} (source maria):\nwant ${JSON.stringify(want.mariaRows)}\ngot  ${maria}`);
  return out;
}

/** Invariant 1: an OK restore leaves the files and rows identical to the origin at the archive's time. */
export async function sameAsArchive(world: World, state: SoakState, archive: string): Promise<void> {
  const want = state.archiveOrigin.get(archive);
  if (!want) return;
  state.checks++;
  const diffs = filesDiffer(world, want);
  if (diffs.length > 0) violation(state, `restore of ${archive} exited 0 but the files differ from the origin at that archive's time:\n${diffs.slice(0, 20).join('\n')}`);
  state.checks++;
  const rows = await rowsDiffer(world, want);
  if (rows.length > 0) violation(state, `restore of ${archive} exited 0 but the database differs from its rows at that archive's time:\n${rows.join('\n')}`);
}

// --- Invariant 4: every failure is named in the command's output, in the catalog and in the report; no exit 0 while something failed.

/** The catalog's newest run and restore ids before a command. */
export interface Mark {
  run: number;
  restore: number;
}

function maxId(world: World, table: 'runs' | 'restores'): number {
  try {
    return queryCatalog<{ m: number | null }>(world.cfg.stateDir, `SELECT max(id) AS m FROM ${table}`)[0]?.m ?? 0;
  } catch {
    return 0; // no catalog yet
  }
}

export const mark = (world: World): Mark => ({ run: maxId(world, 'runs'), restore: maxId(world, 'restores') });

interface Row {
  id: number;
  kind: string;
  status: string;
  error: string | null;
}
interface StepRow {
  run_id: number;
  step: string;
  source: string | null;
  status: string;
  error: string | null;
}

function rowsAfter(world: World, m: Mark) {
  const q = <T>(sql: string, id: number): T[] => {
    try {
      return queryCatalog<T>(world.cfg.stateDir, sql, id);
    } catch {
      return [];
    }
  };
  return {
    runs: q<Row>('SELECT id, kind, status, error FROM runs WHERE id > ? ORDER BY id', m.run),
    hosts: q<{ run_id: number; status: string; error: string | null }>("SELECT run_id, status, error FROM host_results WHERE run_id > ? AND host = 'main' ORDER BY id", m.run),
    steps: q<StepRow>("SELECT run_id, step, source, status, error FROM steps WHERE run_id > ? AND status IN ('failed', 'interrupted') ORDER BY id", m.run),
    restores: q<Row>('SELECT id, kind, status, error FROM restores WHERE id > ? ORDER BY id', m.restore),
    restoreSteps: q<{ restore_id: number; kind: string; source: string | null; status: string; error: string | null }>("SELECT restore_id, kind, source, status, error FROM restore_steps WHERE restore_id > ? AND status IN ('failed', 'interrupted') ORDER BY id", m.restore),
  };
}

// 'skipped': a command that found nothing to do (accept-rollback of a repository that needs no accepting) and said so, exit 0.
const OK = new Set(['ok', 'warning', 'skipped']);
const flat = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').replace(/\s+/g, ' ').trim();
/** Whether `output` says `error` (its first line's first 60 characters, whitespace aside). */
export function mentions(output: string, error: string): boolean {
  const head = flat(error.split('\n')[0] ?? '').slice(0, 60);
  return head.length === 0 || flat(output).includes(head);
}

/**
 * Invariant 4 for one command that ran (not killed): an exit 0 left nothing failed in the catalog; any
 * other exit left a failure recorded with its reason, and the command's output says that reason.
 * `recorded`: the command must leave a row (a night always; a check, prune, drill or restore that exited 1).
 */
export function named(world: World, state: SoakState, what: string, r: Result, m: Mark): void {
  if (r.signalled) {
    // Killed (or told to stop): the next night must not leave its rows 'running' (checked after it).
    const rows = rowsAfter(world, m);
    for (const x of rows.runs) if (x.status === 'running') state.killedRows.push({ table: 'runs', id: x.id, what });
    for (const x of rows.restores) if (x.status === 'running') state.killedRows.push({ table: 'restores', id: x.id, what });
    return;
  }
  if (unsupported(r)) return;
  state.checks++;
  const rows = rowsAfter(world, m);
  const output = `${r.stdout}\n${r.stderr}`;
  // The host results too: a failed run whose host result is only a warning is what seed 202 night 187 showed.
  const all = `${rows.runs.length} run row(s) ${JSON.stringify(rows.runs)}, host results ${JSON.stringify(rows.hosts)}, failed steps ${JSON.stringify(rows.steps)}, restores ${JSON.stringify(rows.restores)}`;
  const isNight = what === 'run';
  if (r.exitCode === 0) {
    const bad = [...rows.runs.filter((x) => !OK.has(x.status)).map((x) => `run ${x.id} (${x.kind}) ${x.status}: ${x.error}`), ...rows.hosts.filter((x) => !OK.has(x.status)).map((x) => `host result of run ${x.run_id} ${x.status}: ${x.error}`), ...rows.steps.map((x) => `step ${x.step}${x.source ? ` of ${x.source}` : ''} of run ${x.run_id} ${x.status}: ${x.error}`), ...rows.restores.filter((x) => !OK.has(x.status)).map((x) => `${x.kind} ${x.id} ${x.status}: ${x.error}`)];
    if (bad.length > 0) violation(state, `${what} exited 0 but the catalog records a failure: ${bad.join('; ')}\n${show(r)}`);
    if (isNight && rows.runs.length === 0) violation(state, `the night exited 0 but left no run in the catalog\n${show(r)}`);
  } else {
    // A restore is recorded once it has a plan (it printed its readiness checklist); one refused before
    // (its archive cannot be listed: a rolled-back repository) is named in its output only.
    const planned = what !== 'restore' || /Readiness checklist:/.test(r.stdout);
    const recorded = isNight || (r.exitCode === 1 && planned && ['check', 'prune', 'drill', 'restore'].includes(what));
    const reasons = [
      ...rows.steps.map((x) => x.error ?? ''),
      ...rows.hosts.filter((x) => !OK.has(x.status)).map((x) => x.error ?? ''),
      ...rows.runs.filter((x) => !OK.has(x.status)).map((x) => x.error ?? ''),
      ...rows.restores.filter((x) => !OK.has(x.status)).map((x) => x.error ?? ''),
      ...rows.restoreSteps.map((x) => x.error ?? ''),
    ].filter((e) => e.trim() !== '');
    if (recorded && reasons.length === 0) violation(state, `${what} exited ${r.exitCode} but the catalog names no failure (${all})\n${show(r)}`);
    // Each failed step's reason is in the output (a failure without steps: its run's or restore's reason).
    const stepReasons = [...rows.steps.map((x) => x.error ?? ''), ...rows.restoreSteps.map((x) => x.error ?? '')].filter((e) => e.trim() !== '');
    const said = stepReasons.length > 0 ? stepReasons : reasons.slice(0, 1);
    const unsaid = said.filter((e) => !mentions(output, e));
    if (unsaid.length > 0) violation(state, `${what} exited ${r.exitCode} but its output does not name the failure the catalog records: ${unsaid.map((e) => JSON.stringify(e.slice(0, 300))).join('; ')}\n${show(r)}`);
    if (!recorded && !/\S/.test(output)) violation(state, `${what} exited ${r.exitCode} without a word\n${show(r)}`);
  }
  state.pendingReport.push({ what, exitCode: r.exitCode, runIds: rows.runs.map((x) => x.id), failedSteps: rows.steps, restoreIds: rows.restores.map((x) => x.id) });
}

interface ReportJson {
  hosts: Array<{
    host: string;
    runs: Array<{ run_id: number; status: string }>;
    failures: Array<{ run_id: number; step: string; source: string | null; message: string }>;
    restores?: Array<{ id: number; status: string }>;
  }>;
}

const REPORTED_KINDS = new Set(['run', 'check', 'prune', 'drill']);

/** Invariant 4, the report: `pullback report --format json` names every run and failure the night's commands recorded. */
export async function reportNames(world: World, state: SoakState): Promise<void> {
  const pending = state.pendingReport.splice(0);
  if (pending.length === 0) return;
  const r = await world.cli(['report', '--host', HOST, '--format', 'json', '--since', '24h']);
  if (unsupported(r)) return;
  state.checks++;
  let host: ReportJson['hosts'][number] | undefined;
  try {
    host = (JSON.parse(r.stdout) as ReportJson).hosts.find((h) => h.host === HOST);
  } catch {
    violation(state, `pullback report --format json did not print JSON\n${show(r)}`);
  }
  if (!host) violation(state, `pullback report --format json has no host ${HOST}\n${show(r)}`);
  const statusOf = (id: number) => queryCatalog<{ kind: string; status: string; n: number }>(world.cfg.stateDir, "SELECT kind, status, (SELECT count(*) FROM host_results h WHERE h.run_id = r.id AND h.host = 'main') AS n FROM runs r WHERE id = ?", id)[0];
  for (const p of pending) {
    for (const id of p.runIds) {
      const c = statusOf(id);
      // The report's jobs are the nights, checks, prunes and drills with a result for the host (its failures list every kind's failed steps).
      if (!c || c.n === 0 || c.status === 'running' || !REPORTED_KINDS.has(c.kind)) continue;
      const line = host.runs.find((x) => x.run_id === id);
      if (!line) violation(state, `the report does not list run ${id} of ${p.what} (exit ${p.exitCode}, catalog status ${c.status})`);
      if (OK.has(line.status) !== OK.has(c.status)) violation(state, `the report says run ${id} of ${p.what} was ${line.status}, the catalog ${c.status}`);
      if (p.exitCode === 0 && !OK.has(line.status)) violation(state, `${p.what} exited 0 but the report says its run ${id} ${line.status}`);
      const failures = host.failures.filter((f) => f.run_id === id);
      if (p.exitCode === 0 && failures.length > 0) violation(state, `${p.what} exited 0 but the report lists failures of its run ${id}: ${JSON.stringify(failures)}`);
    }
    for (const s of p.failedSteps) {
      if (!host.failures.some((f) => f.run_id === s.run_id && f.step === s.step && (f.source ?? null) === (s.source ?? null)))
        violation(state, `the report's failures do not name step ${s.step}${s.source ? ` of ${s.source}` : ''} of run ${s.run_id} (${p.what}, exit ${p.exitCode}): ${s.error}\nreport failures: ${JSON.stringify(host.failures.filter((f) => f.run_id === s.run_id))}`);
    }
    for (const id of p.restoreIds) {
      const c = queryCatalog<{ status: string; target: string }>(world.cfg.stateDir, 'SELECT status, target FROM restores WHERE id = ?', id)[0];
      if (!c || c.target !== HOST || c.status === 'running' || !host.restores) continue;
      const line = host.restores.find((x) => x.id === id);
      if (!line) violation(state, `the report does not list restore ${id} (${p.what}, exit ${p.exitCode}, catalog status ${c.status})`);
      if (line.status !== c.status) violation(state, `the report says restore ${id} was ${line.status}, the catalog ${c.status}`);
    }
  }
}

/** A killed command's rows are no longer 'running' once a later night ran (the next command notices it). */
export function killedNoticed(world: World, state: SoakState): void {
  for (const k of state.killedRows.splice(0)) {
    state.checks++;
    const row = queryCatalog<{ status: string }>(world.cfg.stateDir, `SELECT status FROM ${k.table} WHERE id = ?`, k.id)[0];
    if (row?.status === 'running') violation(state, `${k.what} was killed, and after the next night its ${k.table === 'runs' ? 'run' : 'restore'} ${k.id} is still 'running' in the catalog`);
  }
}
