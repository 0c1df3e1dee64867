// The plan of a point-in-time restore, pure: the base backup to start from (the newest whose
// consistency point is at or before the target; the newest for `latest`), the archives whose WAL it
// needs (its own and every later one: each night's holds the WAL from the base backup before), and
// a refusal, with the window, when the target lies outside what can be reached.
import type { BaseBackupRecord } from '../catalog/pitr.js';
import { describeTarget, type RecoveryTarget } from './target-time.js';

export interface PitrPlan {
  host: string;
  source: string;
  repository: string;
  target: RecoveryTarget;
  base: BaseBackupRecord & { archive: string };
  /** Archives to take WAL from, oldest first (the base backup's, then every later one). */
  walArchives: string[];
  /** The newest point proven received, if the receiver recorded one. */
  newest?: Date;
}

export type PlanResult = { ok: true; plan: PitrPlan } | { ok: false; reason: string };

const show = (d: Date) => d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');

/** The plan for `target` from the source's archived base backups (oldest first; for `binlog`, the nights' dumps) and the newest point received. */
export function planPitrRestore(input: { host: string; source: string; repository: string; target: RecoveryTarget; bases: readonly BaseBackupRecord[]; newest?: Date; binlog?: boolean }): PlanResult {
  const bases = input.bases.filter((b): b is BaseBackupRecord & { archive: string } => b.archive !== undefined);
  // MariaDB/MySQL (`binlog`): the night's dump with its binary log position is the base backup.
  const start = input.binlog ? 'dump with a binary log position' : 'base backup';
  if (bases.length === 0) return { ok: false, reason: `${input.host}/${input.source} has no ${start} in an archive yet: run pullback run --host ${input.host} first` };
  const window = `the recovery window is ${show(new Date(bases[0]!.endedAt))} to ${input.newest ? show(input.newest) : `${show(new Date(bases.at(-1)!.endedAt))} (no ${input.binlog ? 'binary log' : 'WAL'} received after it)`}`;
  let base: (typeof bases)[number] | undefined;
  if (input.target.kind === 'latest') base = bases.at(-1);
  // A transaction or a restore point has no time pullback knows: the oldest base backup, whose WAL reaches any point of the window.
  else if (input.target.kind === 'xid' || input.target.kind === 'name') base = bases[0];
  else {
    const at = input.target.at;
    base = bases.filter((b) => new Date(b.endedAt) <= at).at(-1);
    if (!base) return { ok: false, reason: `${show(at)} is before the oldest point reachable: ${window}` };
    const newest = input.newest ?? new Date(bases.at(-1)!.endedAt);
    if (at > newest) return { ok: false, reason: `${show(at)} is after the newest point received: ${window}` };
  }
  const walArchives = [...new Set(bases.filter((b) => b.endedAt >= base!.endedAt).map((b) => b.archive))];
  return { ok: true, plan: { host: input.host, source: input.source, repository: input.repository, target: input.target, base: base!, walArchives, ...(input.newest ? { newest: input.newest } : {}) } };
}

/** The plan for people: the base backup, its archive, the WAL from where, to what point, and where it goes (`into` lines, else the data directory and its WAL folder). */
export function formatPitrPlan(p: PitrPlan, into: string, walInto: string, instead?: readonly string[]): string {
  const to = p.target.kind === 'latest' ? 'the end of the WAL received (latest)' : p.target.kind === 'time' ? show(p.target.at) : `${describeTarget(p.target)} (from the oldest base backup: its time is not known before the WAL is read)`;
  return [
    `Point-in-time restore of ${p.host}/${p.source} to ${to}:`,
    `  base backup   ${show(new Date(p.base.endedAt))} (archive ${p.base.archive}, timeline ${p.base.timeline}, from WAL ${p.base.startWal})`,
    `  WAL from      ${p.walArchives.join(', ')} and the receiver's own directory`,
    ...(p.target.kind === 'time' ? [`  stops at      the first transaction that ended after ${exact(p.target.at)}, read from this WAL with pg_waldump before recovery; with none, the state then is the WAL's end, recovered to without a time target`] : []),
    ...(instead ?? [`  into          ${into} (data directory), ${walInto} (the WAL its restore_command reads)`]),
  ].join('\n');
}

const exact = (d: Date) => d.toISOString().replace('T', ' ').replace(/\.000Z$/, 'Z').replace(/Z$/, ' UTC');

/**
 * Why a time target is recovered to the end of the WAL, for people: no transaction ended after it
 * in the WAL received up to the newest point, so its state is the WAL's end; `outcome` says what was (or will be) done.
 */
export function walEndNote(p: PitrPlan, outcome: string): string {
  const at = p.target.kind === 'time' ? exact(p.target.at) : describeTarget(p.target);
  return `no transaction ended after ${at} in the WAL received up to ${p.newest ? exact(p.newest) : 'its newest point'}: the state at ${at} is the WAL's end; ${outcome}`;
}
