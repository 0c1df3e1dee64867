// How a restore explains itself: the plan, the checklists and the closing summary as plain text
// lines. Pure, so the exact wording is unit-tested and the command only prints.
import { counted, humanBytes, humanDuration } from '../util/table.js';
import { utcText } from '../util/stamp.js';
import type { RestorePlan } from './plan.js';
import type { ChecklistItem } from './readiness-verdict.js';

const MARK: Record<string, string> = { pass: 'PASS', fail: 'FAIL', overridden: 'WARN', warn: 'WARN', ok: 'OK', warning: 'WARN', failed: 'FAILED', skipped: 'SKIP', interrupted: 'STOPPED' };

/** The plan as printed first (and as the whole of --dry-run with the checklist). */
export function formatPlan(plan: RestorePlan, opts: { title?: string; into?: string; readinessChecks?: readonly string[]; now?: Date } = {}): string {
  const t = plan.target;
  const onto = opts.into ? `local folder ${opts.into} (no remote changes)` : `host ${t.name} (${t.user}@${t.address}:${t.port})`;
  const lines = [
    `${opts.title ?? 'Restore plan'}: archive ${plan.archive} of host ${plan.host} (${plan.repository}) onto ${onto}`,
  ];
  lines.push(...versionLines(plan, opts.now));
  lines.push(...partialLines(plan));
  const width = Math.max(...plan.steps.map((s) => s.source.length));
  for (const s of plan.steps) {
    const count = s.mode === 'databases' && !opts.into ? `${s.databases.length} dump(s)` : counted(s.files, 'file');
    lines.push(`  ${s.order}. ${s.kind.padEnd(8)} ${s.source.padEnd(width)}  ${humanBytes(s.bytes).padStart(9)}  ${count}`);
    if (opts.into) lines.push(`       -> ${opts.into}/${s.source}${s.selection ? ` (only ${s.selection.items.map((i) => JSON.stringify(i.rel)).join(', ')})` : ''}`);
    else lines.push(`       overwrites: ${s.overwrites}`);
    for (const n of s.notes) lines.push(`       note: ${n}`);
  }
  if (plan.notSelected?.length) lines.push(`  not selected (left as they are): ${plan.notSelected.join(', ')}`);
  if (!opts.into) lines.push(...checkPhases(plan, opts.readinessChecks ?? []));
  return lines.join('\n');
}

/** A granular restore: which version of the paths it puts back, and how old it is. */
function versionLines(plan: RestorePlan, now: Date | undefined): string[] {
  if (!plan.steps.some((s) => s.selection)) return [];
  const made = Date.parse(plan.createdAt);
  const age = now && Number.isFinite(made) ? `, ${humanDuration(Math.max(0, now.getTime() - made))} old` : '';
  return [`  version: the paths as they were in ${plan.archive} (made ${utcText(plan.createdAt)}${age})`];
}

/** A partial archive, said before anything else: which restored sources come from an older night, and how much older. */
function partialLines(plan: RestorePlan): string[] {
  if (!plan.partial) return [];
  const lines = [`  WARNING: ${plan.archive} is a PARTIAL archive (${plan.partial.comment})`];
  for (const o of plan.partial.older) {
    const age = o.olderBySeconds !== undefined ? `, ${humanDuration(o.olderBySeconds * 1000)} older than the archive` : ', of unknown age';
    const from = o.keptFrom ? `its last good state, kept from ${o.keptFrom}${age}` : `its mirror as last pulled${age}`;
    lines.push(`    ${o.source}: not from this archive's night (${o.failedStep} failed); it restores ${from}`);
  }
  if (plan.partial.older.length === 0) lines.push('    none of the sources restored comes from an older state');
  return lines;
}

/** The properties of a restored database that the data checks compare too (db-properties.ts), per engine. */
const PROPERTY_CHECK: Readonly<Record<string, string>> = { mariadb: 'character sets and collations', mysql: 'character sets and collations', sqlite: 'mode, owner and journal mode' };

/** Which checks verify the restored data (before writes resume) and which probe readiness (after). */
function checkPhases(plan: RestorePlan, readiness: readonly string[]): string[] {
  const data = plan.steps.flatMap((s) =>
    s.selection
      ? [`${s.source}: the paths pushed compared with the archive right after the push (rsync --checksum)`]
      : s.mode === 'files'
      ? [`${s.source}: files and bytes against the archive`]
      : [
          ...s.databases.flatMap((d) => [
            `${s.source}: rows of ${d.database} against the dump${d.dump.rowCounts ? '' : ' (none recorded: not verifiable, a warning)'}`,
            ...(PROPERTY_CHECK[d.engine] ? [`${s.source}: ${PROPERTY_CHECK[d.engine]} of ${d.database}`] : []),
          ]),
          ...s.drops.map((d) => `${s.source}: ${d.database} dropped`),
        ],
  );
  if (plan.steps.length > 0 && plan.steps.every((s) => s.selection)) {
    return [`  data checks: ${data.join('; ')}`, '  restore.stop_writes, start_writes and checks are not run: a granular restore changes only the paths above'];
  }
  return [
    `  data checks, while writes are still stopped (before start_writes): ${data.join('; ')}`,
    `  readiness checks, after start_writes: ${readiness.length ? readiness.map((n) => `check "${n}"`).join(', ') : 'none (no restore.checks configured)'}`,
  ];
}

/**
 * Earlier restores onto the target that were interrupted and never resolved (their sentences from
 * catalog/interrupted-restores.ts, each with its rollback command): said before a new plan.
 */
export function formatInterrupted(target: string, texts: readonly string[]): string {
  return [
    `WARNING: ${texts.length} earlier restore(s) onto ${target} were interrupted and never resolved:`,
    ...texts.map((t) => `  ${t}`),
    `A rollback above, or a restore of every source (no --only) that finishes OK, resolves it; until then 'pullback status' is red for ${target}.`,
  ].join('\n');
}

/** A titled checklist: one `PASS|FAIL|WARN  name: figure` line per item. */
export function formatChecklist(title: string, items: readonly ChecklistItem[]): string {
  return [title, ...items.map((i) => `  ${MARK[i.status]!.padEnd(4)}  ${i.name}: ${i.figure}`)].join('\n');
}

/** A step of a source for people: its kind and name, said once when they are the same (a data source called data: "data", not "data data"). */
function stepName(kind: string, source: string | undefined): string {
  return source && source !== kind ? `${kind} ${source}` : (source ?? kind);
}

/** One finished step of the restore. */
export function formatStep(s: { kind: string; source?: string; status: string; detail?: string }): string {
  const what = s.source ? stepName(s.kind, s.source) : s.kind.replace('_', ' ');
  return `  ${(MARK[s.status] ?? s.status.toUpperCase()).padEnd(7)} ${what}${s.detail ? `: ${s.detail}` : ''}`;
}

export interface OutcomeFacts {
  status: 'ok' | 'failed' | 'interrupted';
  restoreId: number;
  kind: 'restore' | 'rollback';
  target: string;
  restored: string[];
  stoppedAt?: { kind: string; source?: string; error: string; changed?: boolean | 'possibly' };
  untouched: string[];
  /** Archived sources `--only` left out. */
  notSelected?: string[];
  snapshot?: string;
  /** The snapshot's repository, said only when it is a separate one (outside a damaged repository). */
  snapshotRepository?: string;
  /** The exact command that undoes this restore (only when a snapshot exists). */
  rollbackCommand?: string;
  /** Steps that ended with a warning (e.g. a swap whose client failed after the server committed): said again at the end. */
  warnings?: string[];
  /** Checks that could not verify (status warn): a restore with any is "verified except ...", never a clean OK. */
  unverified?: Array<{ name: string; figure: string }>;
}

/** The closing lines: success, or the state the target was left in and how to undo it. */
export function formatOutcome(o: OutcomeFacts): string {
  const lines: string[] = [];
  const what = o.kind === 'rollback' ? 'Rollback' : 'Restore';
  if (o.status === 'ok') {
    if (o.unverified?.length) {
      lines.push(`${what} ${o.restoreId} of ${o.target}: done, verified except ${o.unverified.length} check(s) that could not verify:`);
      for (const u of o.unverified) lines.push(`  ${u.name}: ${u.figure}`);
    } else lines.push(`${what} ${o.restoreId} of ${o.target}: done, every check passed${o.warnings?.length ? `, with ${o.warnings.length} warning(s):` : '.'}`);
    if (o.warnings?.length && o.unverified?.length) lines.push(`With ${o.warnings.length} warning(s):`);
    for (const w of o.warnings ?? []) lines.push(`  ${w}`);
    if (o.notSelected?.length) lines.push(`Not selected (left as they were): ${o.notSelected.join(', ')}`);
    if (o.snapshot) lines.push(`The state before it is kept as ${o.snapshot}${inRepo(o)}; to undo: ${o.rollbackCommand}`);
    return lines.join('\n');
  }
  const at = o.stoppedAt ? stepName(o.stoppedAt.kind, o.stoppedAt.source) : 'unknown step';
  if (o.stoppedAt?.kind === 'verify') return verifyFailed(o, what).join('\n');
  lines.push(`${what} ${o.restoreId} of ${o.target} ${o.status === 'interrupted' ? 'was INTERRUPTED' : 'FAILED'} at ${at}: ${o.stoppedAt?.error ?? ''}`);
  const restoring = o.stoppedAt?.source;
  lines.push('State of the target:');
  lines.push(`  restored: ${o.restored.length ? o.restored.join(', ') : 'nothing'}`);
  if (restoring && !o.restored.includes(restoring) && !o.untouched.includes(restoring)) {
    // Only a proven false is "untouched" (above); a replace in doubt says so and points at the error's own advice.
    if (o.stoppedAt?.changed === true) lines.push(`  partly restored: ${restoring}`);
    else lines.push(`  possibly changed: ${restoring} (it cannot be told whether the failed step changed it; the error above says what to check)`);
  }
  // "untouched: nothing" would be false when --only left sources out: they are named apart.
  if (o.untouched.length || !o.notSelected?.length) lines.push(`  untouched: ${o.untouched.length ? o.untouched.join(', ') : 'nothing'}`);
  if (o.notSelected?.length) lines.push(`  not selected: ${o.notSelected.join(', ')}`);
  if (o.rollbackCommand) {
    lines.push(`To return the target to its state before the ${o.kind}: ${o.rollbackCommand}`);
    if (o.snapshotRepository) lines.push(`  (it puts back ${o.snapshot}${inRepo(o)})`);
  } else if (o.kind === 'restore') lines.push('No safety snapshot was taken, so nothing on the target was changed by the restore steps.');
  return lines.join('\n');
}

/** Where the snapshot is, when it is outside the target's repository. */
function inRepo(o: OutcomeFacts): string {
  return o.snapshotRepository ? ` in the separate repository ${o.snapshotRepository} (outside the damaged one)` : '';
}

/** A restore whose every source was written but whose data checks (made before writes resumed) failed. */
function verifyFailed(o: OutcomeFacts, what: string): string[] {
  const lines = [`${what} ${o.restoreId} of ${o.target} FAILED at verify: ${o.stoppedAt?.error ?? ''}`];
  lines.push(`Every source was written (${o.restored.join(', ') || 'nothing'}), but the restored data differs from the archive: see the FAIL lines of the data checks above.`);
  lines.push('These checks ran before writes resumed, so the difference is not the application\'s new writes. Writes have been resumed (start_writes ran).');
  if (o.rollbackCommand) lines.push(`Look at the failed items on the target; restore again, or return the target to its state before the ${o.kind}: ${o.rollbackCommand}${o.snapshotRepository ? ` (it puts back ${o.snapshot}${inRepo(o)})` : ''}`);
  else lines.push('Look at the failed items on the target, and restore again.');
  return lines;
}
