// How a restore explains itself: the plan, the checklists and the closing summary as plain text
// lines. Pure, so the exact wording is unit-tested and the command only prints.
import { humanBytes } from '../util/table.js';
import type { RestorePlan } from './restore-plan.js';
import type { ChecklistItem } from './restore-readiness.js';

const MARK: Record<string, string> = { pass: 'PASS', fail: 'FAIL', overridden: 'WARN', warn: 'WARN', ok: 'OK', warning: 'WARN', failed: 'FAILED', skipped: 'SKIP', interrupted: 'STOPPED' };

/** The plan as printed first (and as the whole of --dry-run with the checklist). */
export function formatPlan(plan: RestorePlan, opts: { title?: string; into?: string } = {}): string {
  const t = plan.target;
  const onto = opts.into ? `local folder ${opts.into} (no remote changes)` : `host ${t.name} (${t.user}@${t.address}:${t.port})`;
  const lines = [
    `${opts.title ?? 'Restore plan'}: archive ${plan.archive} of host ${plan.host} (${plan.repository}) onto ${onto}`,
  ];
  const width = Math.max(...plan.steps.map((s) => s.source.length));
  for (const s of plan.steps) {
    const count = s.mode === 'databases' && !opts.into ? `${s.databases.length} dump(s)` : `${s.files} files`;
    lines.push(`  ${s.order}. ${s.kind.padEnd(8)} ${s.source.padEnd(width)}  ${humanBytes(s.bytes).padStart(9)}  ${count}`);
    if (opts.into) lines.push(`       -> ${opts.into}/${s.source}`);
    else lines.push(`       overwrites: ${s.overwrites}`);
    for (const n of s.notes) lines.push(`       note: ${n}`);
  }
  if (plan.notSelected?.length) lines.push(`  not selected (left as they are): ${plan.notSelected.join(', ')}`);
  return lines.join('\n');
}

/** A titled checklist: one `PASS|FAIL|WARN  name: figure` line per item. */
export function formatChecklist(title: string, items: readonly ChecklistItem[]): string {
  return [title, ...items.map((i) => `  ${MARK[i.status]!.padEnd(4)}  ${i.name}: ${i.figure}`)].join('\n');
}

/** One finished step of the restore. */
export function formatStep(s: { kind: string; source?: string; status: string; detail?: string }): string {
  const what = s.source ? `${s.kind} ${s.source}` : s.kind.replace('_', ' ');
  return `  ${(MARK[s.status] ?? s.status.toUpperCase()).padEnd(7)} ${what}${s.detail ? `: ${s.detail}` : ''}`;
}

export interface OutcomeFacts {
  status: 'ok' | 'failed' | 'interrupted';
  restoreId: number;
  kind: 'restore' | 'rollback';
  target: string;
  restored: string[];
  stoppedAt?: { kind: string; source?: string; error: string; changed?: boolean };
  untouched: string[];
  /** Archived sources `--only` left out. */
  notSelected?: string[];
  snapshot?: string;
  /** The exact command that undoes this restore (only when a snapshot exists). */
  rollbackCommand?: string;
}

/** The closing lines: success, or the state the target was left in and how to undo it. */
export function formatOutcome(o: OutcomeFacts): string {
  const lines: string[] = [];
  const what = o.kind === 'rollback' ? 'Rollback' : 'Restore';
  if (o.status === 'ok') {
    lines.push(`${what} ${o.restoreId} of ${o.target}: done, every check passed.`);
    if (o.notSelected?.length) lines.push(`Not selected (left as they were): ${o.notSelected.join(', ')}`);
    if (o.snapshot) lines.push(`The state before it is kept as ${o.snapshot}; to undo: ${o.rollbackCommand}`);
    return lines.join('\n');
  }
  const at = o.stoppedAt ? `${o.stoppedAt.kind}${o.stoppedAt.source ? ` ${o.stoppedAt.source}` : ''}` : 'unknown step';
  lines.push(`${what} ${o.restoreId} of ${o.target} ${o.status === 'interrupted' ? 'was INTERRUPTED' : 'FAILED'} at ${at}: ${o.stoppedAt?.error ?? ''}`);
  const restoring = o.stoppedAt?.source;
  lines.push('State of the target:');
  lines.push(`  restored: ${o.restored.length ? o.restored.join(', ') : 'nothing'}`);
  if (restoring && !o.restored.includes(restoring) && !o.untouched.includes(restoring)) {
    lines.push(`  ${o.stoppedAt?.changed ? 'partly restored' : 'possibly partly restored'}: ${restoring}`);
  }
  // "untouched: nothing" would be false when --only left sources out: they are named apart.
  if (o.untouched.length || !o.notSelected?.length) lines.push(`  untouched: ${o.untouched.length ? o.untouched.join(', ') : 'nothing'}`);
  if (o.notSelected?.length) lines.push(`  not selected: ${o.notSelected.join(', ')}`);
  if (o.rollbackCommand) lines.push(`To return the target to its state before the ${o.kind}: ${o.rollbackCommand}`);
  else if (o.kind === 'restore') lines.push('No safety snapshot was taken, so nothing on the target was changed by the restore steps.');
  return lines.join('\n');
}
