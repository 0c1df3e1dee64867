// The freshness verdict behind `pullback status` and stale events: a pure function of what the
// catalog says (last successes, last job, checks) and now. Staleness needs no run to be noticed:
// an old last success is red however long ago the last run was.
import type { Frequency } from '../config/types.js';
import { archiveLossVerdict, type ArchiveLossFacts } from './archive-loss.js';
import { interruptedRestoreVerdicts, type InterruptedRestoreFact } from './interrupted-restores.js';

export type Light = 'green' | 'amber' | 'red';

export interface CheckFacts {
  kind: 'repository' | 'archives' | 'data' | 'drill';
  frequency: Frequency;
  /** Latest outcome, whatever it was; undefined when it never ran. */
  last?: { at: Date; status: string };
}

export interface SourceFacts {
  name: string;
  maxAgeMs: number;
  lastSuccess?: Date;
  /** The source's latest attempt in a nightly run. */
  lastAttempt?: { at: Date; status: 'ok' | 'warning' | 'failed'; error?: string };
}

export interface HostFacts {
  host: string;
  maxAgeMs: number;
  lastSuccess?: Date;
  lastJob?: { kind: string; status: string; at: Date; error?: string };
  sources: SourceFacts[];
  checks: CheckFacts[];
  /** One per configured off-site target. */
  offsite?: OffsiteFacts[];
  /** Archives the catalog recorded that the repository no longer holds (report/archive-loss.ts). */
  archiveLoss?: ArchiveLossFacts;
  /** Open check failures of the host's repository (catalog/check-damage.ts), newest first. */
  damage?: DamageFacts[];
  /** Restores and rollbacks onto this host that were interrupted and not resolved since. */
  interruptedRestores?: InterruptedRestoreFact[];
  /** Files a repair zero-filled in the host's archives, per source, not yet archived again and checked. */
  repaired?: RepairedFacts[];
  /** The PITR drills of the host's last drill: each source's verdict and measured recovery time (seconds). */
  pitrDrills?: Array<{ source: string; status: string; rtoSeconds?: number }>;
}

/** Files `pullback check --repair` zero-filled in a source's archives (catalog/zeroed-files.ts), while unresolved. */
export interface RepairedFacts {
  /** The source whose folder holds them; undefined for paths outside every configured source. */
  source?: string;
  /** The latest repair that zero-filled one of them. */
  repairedAt: Date;
  /** Each file, with how many of the archives still there hold it zero-filled, and the newest of them. */
  files: Array<{ path: string; archives: number; newest: string }>;
  /** The newest archive made after that repair that holds the source, if any. */
  rearchived?: { archive: string; at: Date };
}

export interface DamageFacts {
  kind: string;
  firstFailedAt: Date;
  failedAt: Date;
  error: string;
  /** The files a read-back found unreadable, per archive; `complete` false when the search stopped at a bound. */
  files?: { archives: Array<{ name: string; damaged: string[] }>; complete: boolean };
}

export interface Verdict {
  light: Light;
  /** When it last happened (success for backups, any outcome for checks); undefined: never. */
  at?: Date;
  ageMs?: number;
  limitMs?: number;
  reason: string;
}

export interface HostFreshness {
  host: string;
  light: Light;
  backup: Verdict;
  lastJob?: HostFacts['lastJob'];
  sources: Array<{ name: string } & Verdict>;
  /** `lastAgeMs`: how long ago it last ran, also when it is not configured (a manual `pullback drill` or `check`): the table shows it. */
  checks: Array<{ kind: CheckFacts['kind']; frequency: Frequency; status?: string; lastAgeMs?: number } & Verdict>;
  offsite: Array<{ target: string } & Verdict>;
  /** Whether every archive the catalog recorded is still in the repository (report/archive-loss.ts). */
  archiveLoss: Verdict;
  /** One red verdict per open check failure: what failed, when, the damaged files, the next command. */
  damage: Array<{ kind: string } & Verdict>;
  /** One red verdict per unresolved interrupted restore onto the host, naming its rollback command. */
  restores: Verdict[];
  /** One amber verdict per source with files a repair zero-filled (not yet archived again and checked). */
  repaired: Array<{ source?: string } & Verdict>;
  /**
   * Every verdict above in the order status lists them, each with the cells of the host's row it
   * colours (none: a source's or off-site target's own row): the Attention lines and the row's
   * lights are both read from this one list (cellLight), so a cell cannot be GREEN beside a RED
   * line about the same thing.
   */
  verdicts: Array<{ verdict: Verdict; cells: HostCell[] }>;
  /** The PITR drills of the last drill (the DRILL cell shows their RTO). */
  pitrDrills: NonNullable<HostFacts['pitrDrills']>;
}

/** The cells of a host's row in the status table: its backup (and what was restored onto it), its repository's checks, its drill. */
export type HostCell = 'backup' | 'check' | 'drill';

/** The light of one cell of the host's row: the worst of the verdicts that colour it (green when none does). */
export function cellLight(h: HostFreshness, cell: HostCell): Light {
  return worst(h.verdicts.filter((v) => v.cells.includes(cell)).map((v) => v.verdict.light));
}

/**
 * The host's BACKUP cell as one verdict, for what prints it beside the table (status --json, the
 * report): its light (cellLight, an interrupted restore onto the host included), the reason of the
 * first verdict about it with that light, and the times of the host's last success (the row's
 * LAST SUCCESS, AGE and MAX AGE).
 */
export function backupCell(h: HostFreshness): Verdict {
  const light = cellLight(h, 'backup');
  const shown = h.verdicts.find((v) => v.cells.includes('backup') && v.verdict.light === light)?.verdict ?? h.backup;
  return { ...h.backup, light, reason: shown.reason };
}

const HOUR = 3600_000;
// A check is expected once per period; a couple of hours' slack for a nightly job that runs late.
const PERIOD_MS: Record<'daily' | 'weekly' | 'monthly', number> = { daily: 26 * HOUR, weekly: 7 * 24 * HOUR + 2 * HOUR, monthly: 31 * 24 * HOUR + 2 * HOUR };
const RANK: Record<Light, number> = { green: 0, amber: 1, red: 2 };

/** The worse of the lights (red over amber over green). */
export function worst(lights: Light[]): Light {
  return lights.reduce<Light>((a, b) => (RANK[b] > RANK[a] ? b : a), 'green');
}

/** Human age: 45s, 12m, 3h, 2d 4h. */
export function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${s % 3600 >= 60 ? ` ${Math.floor((s % 3600) / 60)}m` : ''}`;
  return `${Math.floor(s / 86400)}d${s % 86400 >= 3600 ? ` ${Math.floor((s % 86400) / 3600)}h` : ''}`;
}

function backupVerdict(what: string, last: Date | undefined, maxAgeMs: number, now: Date): Verdict {
  if (!last) return { light: 'red', limitMs: maxAgeMs, reason: `${what}: never backed up successfully` };
  const ageMs = now.getTime() - last.getTime();
  if (ageMs > maxAgeMs) return { light: 'red', at: last, ageMs, limitMs: maxAgeMs, reason: `${what}: stale: last success ${age(ageMs)} ago (max_age ${age(maxAgeMs)})` };
  return { light: 'green', at: last, ageMs, limitMs: maxAgeMs, reason: `${what}: last success ${age(ageMs)} ago` };
}

/** The limit of a check of frequency `f` (undefined for never); `always` means every nightly run, so the host's max_age. */
export function checkLimitMs(f: Frequency, hostMaxAgeMs: number): number | undefined {
  if (f === 'never') return undefined;
  if (f === 'always') return hostMaxAgeMs;
  return PERIOD_MS[f];
}

function checkVerdict(c: CheckFacts, hostMaxAgeMs: number, now: Date): Verdict {
  const limitMs = checkLimitMs(c.frequency, hostMaxAgeMs);
  if (limitMs === undefined) return { light: 'green', reason: `${c.kind}: not configured (never)` };
  if (!c.last) return { light: 'red', limitMs, reason: `${c.kind}: never ran (expected ${c.frequency})` };
  const ageMs = now.getTime() - c.last.at.getTime();
  const base = { at: c.last.at, ageMs, limitMs };
  if (c.last.status === 'failed' || c.last.status === 'interrupted') return { ...base, light: 'red', reason: `${c.kind}: last result ${c.last.status} (${age(ageMs)} ago)` };
  if (ageMs > 2 * limitMs) return { ...base, light: 'red', reason: `${c.kind}: overdue: last ${age(ageMs)} ago (expected ${c.frequency})` };
  if (ageMs > limitMs) return { ...base, light: 'amber', reason: `${c.kind}: due: last ${age(ageMs)} ago (expected ${c.frequency})` };
  if (c.last.status !== 'ok') return { ...base, light: 'amber', reason: `${c.kind}: last result ${c.last.status} (${age(ageMs)} ago)` };
  return { ...base, light: 'green', reason: `${c.kind}: ok ${age(ageMs)} ago` };
}

/**
 * The host's freshness: its backup red when its last success is older than max_age (or never) or
 * its last job failed, amber when that job warned; each source red when stale or its last attempt
 * failed; each configured check red when it failed, never ran or is more than twice overdue.
 */
export function judgeFreshness(f: HostFacts, now: Date): HostFreshness {
  let backup = backupVerdict(f.host, f.lastSuccess, f.maxAgeMs, now);
  // A failed check or drill job is about the repository or the drill as much as about the backup.
  let backupCells: HostCell[] = ['backup'];
  const job = f.lastJob;
  if (job && backup.light !== 'red') {
    const about: HostCell[] = job.kind === 'check' ? ['backup', 'check'] : job.kind === 'drill' ? ['backup', 'drill'] : ['backup'];
    if (job.status === 'failed' || job.status === 'interrupted') {
      backup = { ...backup, light: 'red', reason: `${f.host}: last ${job.kind} ${job.status}${job.error ? `: ${job.error}` : ''}` };
      backupCells = about;
    } else if (job.status === 'warning') {
      backup = { ...backup, light: 'amber', reason: `${f.host}: last ${job.kind} warned${job.error ? `: ${job.error}` : ''}` };
      backupCells = about;
    }
  }
  const damage = (f.damage ?? []).map((d) => damageVerdict(f.host, d, now));
  // A damaged repository holds the host's backups: its newest archive may not restore, however fresh.
  if (damage.length > 0) {
    backup = { ...backup, light: 'red', reason: `${f.host}: backups are in a DAMAGED repository: ${damage.length} open check failure(s), below` };
    backupCells = ['backup'];
  }
  const repaired = (f.repaired ?? []).map((r) => repairedVerdict(f.host, r, now));
  // The repository is whole again, but archives hold zero-filled files: not green until re-archived and checked.
  if (repaired.length > 0 && backup.light === 'green') {
    const where = repaired.map((r) => r.source ?? 'outside every source').join(', ');
    backup = { ...backup, light: 'amber', reason: `${f.host}: a repair zero-filled files in its archives (${where}); see below` };
    backupCells = ['backup', 'check'];
  }
  const sources = f.sources.map((s) => {
    let v = backupVerdict(`${f.host}/${s.name}`, s.lastSuccess, s.maxAgeMs, now);
    const hit = (f.damage ?? []).map((d) => sourceDamage(f.host, s.name, d)).find((r) => r !== undefined);
    if (hit) v = { ...v, light: 'red', reason: hit };
    const a = s.lastAttempt;
    if (a && v.light !== 'red') {
      if (a.status === 'failed') v = { ...v, light: 'red', reason: `${f.host}/${s.name}: last attempt failed${a.error ? `: ${a.error}` : ''}` };
      else if (a.status === 'warning') v = { ...v, light: 'amber', reason: `${f.host}/${s.name}: last attempt warned${a.error ? `: ${a.error}` : ''}` };
    }
    const zeroed = repaired.find((r) => r.source === s.name);
    if (zeroed && v.light !== 'red') v = { ...v, light: 'amber', reason: zeroed.reason };
    return { name: s.name, ...v };
  });
  const checks = f.checks.map((c) => {
    const v = checkVerdict(c, f.maxAgeMs, now);
    return { kind: c.kind, frequency: c.frequency, status: c.last?.status, ...(c.last ? { lastAgeMs: now.getTime() - c.last.at.getTime() } : {}), ...v, reason: `${f.host}: ${v.reason}` };
  });
  const offsite = (f.offsite ?? []).map((o) => offsiteVerdict(f.host, o, now));
  const archiveLoss = archiveLossVerdict(f.host, f.archiveLoss, f.lastSuccess);
  const restores = interruptedRestoreVerdicts(f.host, f.interruptedRestores ?? [], now);
  // What each verdict is about, in the order status lists them: damage and archives gone are the
  // repository's state (the CHECK cell), an interrupted restore the host's data (its BACKUP cell).
  const verdicts: HostFreshness['verdicts'] = [
    { verdict: backup, cells: backupCells },
    ...damage.map((verdict) => ({ verdict, cells: ['check' as const] })),
    ...sources.map((verdict) => ({ verdict, cells: [] })),
    ...checks.map((verdict) => ({ verdict, cells: [verdict.kind === 'drill' ? ('drill' as const) : ('check' as const)] })),
    ...offsite.map((verdict) => ({ verdict, cells: [] })),
    { verdict: archiveLoss, cells: ['check'] },
    ...restores.map((verdict) => ({ verdict, cells: ['backup' as const] })),
    // A source's zero-filled files colour its own row (above); the rest are listed on their own.
    ...repaired.filter((r) => r.source === undefined).map((verdict) => ({ verdict, cells: ['check' as const] })),
  ];
  const light = worst(verdicts.map((v) => v.verdict.light));
  return { host: f.host, light, backup, lastJob: job, sources, checks, offsite, damage, archiveLoss, restores, repaired, verdicts, pitrDrills: f.pitrDrills ?? [] };
}

/** The next command for an open failure of `kinds` ('repository+archives+data'): repair; a clean check of the same kinds resolves it. */
export function damageNextStep(host: string, kinds: string): string {
  const check = kinds.split('+').includes('data') ? 'pullback check --verify-data' : 'pullback check';
  return `pullback check --repair --host ${host} (docs/operations.md, "Repairing a damaged repository"); it is resolved once ${check} --host ${host} passes`;
}

/** An open check failure as a red verdict: what failed, since when, the files named, the next command. */
function damageVerdict(host: string, d: DamageFacts, now: Date): { kind: string } & Verdict {
  const ageMs = now.getTime() - d.failedAt.getTime();
  const since = d.firstFailedAt.getTime() < d.failedAt.getTime() ? `, failing since ${d.firstFailedAt.toISOString()}` : '';
  return { kind: d.kind, light: 'red', at: d.failedAt, ageMs, reason: `${host}: DAMAGED repository: the ${d.kind.replaceAll('+', ', ')} check failed ${age(ageMs)} ago (${d.failedAt.toISOString()}${since}): ${d.error}; ${filesSaid(d)}; next: ${damageNextStep(host, d.kind)}` };
}

function filesSaid(d: DamageFacts): string {
  if (!d.files) return 'the damaged files are not known yet';
  const named = d.files.archives.filter((a) => a.damaged.length > 0);
  const list = named.map((a) => `${a.name}: ${a.damaged.join(', ')}`).join('; ');
  if (named.length === 0) return d.files.complete ? 'no unreadable file found in the archives read back' : 'no unreadable file found in the archives read back (search incomplete)';
  return `unreadable files: ${list}${d.files.complete ? '' : ' (search incomplete: there may be more)'}`;
}

/**
 * Why source `source` is red for an open failure, or undefined when it is not affected. Archive
 * paths start with the source's folder; when the search named no file or stopped at a bound, every
 * source is affected (the damage may lie anywhere in the repository).
 */
function sourceDamage(host: string, source: string, d: DamageFacts): string | undefined {
  const next = `next: ${damageNextStep(host, d.kind)}`;
  const when = d.failedAt.toISOString();
  const kinds = d.kind.replaceAll('+', ', ');
  const named = (d.files?.archives ?? []).flatMap((a) => a.damaged.filter((p) => p === source || p.startsWith(`${source}/`)).map((p) => `${p} (${a.name})`));
  if (named.length > 0) return `${host}/${source}: DAMAGED: unreadable in the repository: ${named.slice(0, 5).join(', ')}${named.length > 5 ? ` and ${named.length - 5} more` : ''} (${kinds} check failed ${when}); ${next}`;
  const found = (d.files?.archives ?? []).some((a) => a.damaged.length > 0);
  if (d.files?.complete && found) return undefined;
  return `${host}/${source}: DAMAGED repository: the ${kinds} check failed ${when}${found ? ' and the search for damaged files was incomplete' : ''}; ${next}`;
}

const FILES_NAMED = 5;

/** Files a repair zero-filled in a source's archives, as an amber verdict: which, where, and what makes it green. */
function repairedVerdict(host: string, r: RepairedFacts, now: Date): { source?: string } & Verdict {
  const what = r.source ? `${host}/${r.source}` : `${host} (files outside every configured source)`;
  const files = r.files.slice(0, FILES_NAMED).map((f) => `${f.path} (in ${f.archives} archive(s), newest ${f.newest})`);
  const more = r.files.length > FILES_NAMED ? ` and ${r.files.length - FILES_NAMED} more` : '';
  const check = `pullback check --host ${host}`;
  const next = r.rearchived
    ? `archived again in ${r.rearchived.archive}; green once an archives check passes (${check})`
    : `green once a night archives ${r.source ?? 'them'} again and an archives check passes (${check})`;
  const ageMs = now.getTime() - r.repairedAt.getTime();
  return {
    ...(r.source ? { source: r.source } : {}),
    light: 'amber',
    at: r.repairedAt,
    ageMs,
    reason: `${what}: ZERO-FILLED by a repair (pullback check --repair, ${age(ageMs)} ago, ${r.repairedAt.toISOString()}): ${files.join(', ')}${more}; a restore of those archives refuses these files; ${next}`,
  };
}

/** `pullback status`'s exit code: 0 when no host is red, else 1. */
export function statusExitCode(hosts: HostFreshness[]): 0 | 1 {
  return hosts.some((h) => h.light === 'red') ? 1 : 0;
}

export interface StaleFinding {
  host: string;
  /** Undefined for the host itself. */
  source?: string;
  /** Set for a host's off-site copy on this target. */
  offsite?: string;
  /** Undefined when it never succeeded. */
  lastSuccess?: Date;
  ageMs?: number;
  maxAgeMs: number;
  message: string;
}

/** Hosts and sources whose last success is older than their max_age (or who never had one): stale events. */
export function staleFindings(f: HostFacts, now: Date): StaleFinding[] {
  const out: StaleFinding[] = [];
  const check = (source: string | undefined, last: Date | undefined, maxAgeMs: number) => {
    const ageMs = last ? now.getTime() - last.getTime() : undefined;
    if (ageMs !== undefined && ageMs <= maxAgeMs) return;
    const what = source ? `${f.host}/${source}` : f.host;
    const message = ageMs === undefined ? `${what}: no successful backup yet` : `${what}: last successful backup ${age(ageMs)} ago (max_age ${age(maxAgeMs)})`;
    out.push({ host: f.host, ...(source ? { source } : {}), ...(last ? { lastSuccess: last, ageMs } : {}), maxAgeMs, message });
  };
  check(undefined, f.lastSuccess, f.maxAgeMs);
  for (const s of f.sources) check(s.name, s.lastSuccess, s.maxAgeMs);
  for (const o of f.offsite ?? []) {
    const ageMs = o.newestVerified ? now.getTime() - o.newestVerified.getTime() : undefined;
    if (ageMs !== undefined && ageMs <= o.maxAgeMs) continue;
    const message = ageMs === undefined ? `${f.host}: no verified off-site copy on ${o.target} yet` : `${f.host}: newest verified off-site copy on ${o.target} is ${age(ageMs)} old (max_age ${age(o.maxAgeMs)})`;
    out.push({ host: f.host, offsite: o.target, ...(o.newestVerified ? { lastSuccess: o.newestVerified, ageMs } : {}), maxAgeMs: o.maxAgeMs, message });
  }
  return out;
}

export interface OffsiteFacts {
  target: string;
  maxAgeMs: number;
  /** When the newest copy whose remote check passed was made or verified. */
  newestVerified?: Date;
  lastAttempt?: { at: Date; kind: string; status: string; error?: string };
}

/** The freshness of a host's off-site copy on one target: red when stale, never verified, or its last attempt failed or was refused. */
export function offsiteVerdict(host: string, f: OffsiteFacts, now: Date): { target: string } & Verdict {
  const what = `${host}: off-site ${f.target}`;
  const base = { target: f.target, limitMs: f.maxAgeMs };
  if (!f.newestVerified) return { ...base, light: 'red', reason: `${what}: no verified copy yet${f.lastAttempt?.error ? ` (last ${f.lastAttempt.kind} ${f.lastAttempt.status}: ${f.lastAttempt.error})` : ''}` };
  const ageMs = now.getTime() - f.newestVerified.getTime();
  const at = { ...base, at: f.newestVerified, ageMs };
  const a = f.lastAttempt;
  let light: Light = 'green';
  let reason = `${what}: newest verified copy ${age(ageMs)} old`;
  if (ageMs > f.maxAgeMs) {
    light = 'red';
    reason = `${what}: stale: newest verified copy ${age(ageMs)} old (max_age ${age(f.maxAgeMs)})`;
  } else if (a && (a.status === 'failed' || a.status === 'refused') && a.at.getTime() > f.newestVerified.getTime()) {
    light = 'red';
    reason = `${what}: last ${a.kind} ${a.status}${a.error ? `: ${a.error}` : ''} (newest verified copy ${age(ageMs)} old)`;
  }
  return { ...at, light, reason };
}
