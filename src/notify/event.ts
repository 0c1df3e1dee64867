// What notifiers are told: one event type for every command, and builders for each occasion.
// Events carry names, statuses and error lines; never secrets (those stay in config files).
import type { NotifyEventKind } from '../config/types-notify.js';

export interface EventFailure {
  step: string;
  source?: string;
  error: string;
}

export interface NotifyEvent {
  kind: NotifyEventKind;
  /** The command that emitted it: run, restore, drill, status, ... */
  command: string;
  at: string;
  /** ok | warning | failed | interrupted | running | stale */
  status: string;
  /** One line for people (email subject, chat message). */
  title: string;
  /** Plain-text body (the run summary, the drill's problems). */
  summary?: string;
  runId?: number;
  host?: string;
  source?: string;
  archive?: string;
  /** Set when the archive holds a failed source's last good state. */
  partial?: boolean;
  /** Failed or warning steps with their error lines. */
  failures?: EventFailure[];
  /** Every problem line, in order. */
  errors?: string[];
  /** Checks that ran (repository, archives, data, drill). */
  checks?: string[];
  /** restore: start or end. */
  phase?: 'start' | 'end';
  /** More facts of the occasion, snake_case as the payload prints them (seed, restore_id, max_age_seconds, ...). */
  details?: Record<string, unknown>;
}

/** True when a notifier subscribed to `on` is sent `e`: its kind, `partial` for a partial archive, `stale` for a recovery. */
export function wants(on: readonly NotifyEventKind[], e: NotifyEvent): boolean {
  return on.includes(e.kind) || (e.kind === 'recovered' && on.includes('stale')) || (e.partial === true && on.includes('partial')) || (e.checks !== undefined && e.checks.length > 0 && on.includes('check'));
}

const now = () => new Date().toISOString();

/** The event of a command's start. */
export function startEvent(command: string, runId: number, hosts: string[]): NotifyEvent {
  return { kind: 'start', command, at: now(), status: 'running', runId, title: `pullback ${command} started (${hosts.join(', ') || 'no hosts'})`, details: { hosts } };
}

export interface HostOutcome {
  host: string;
  status: string;
  archive?: string;
  partial?: string;
  problems: string[];
  checks: string[];
}

/** The event of one host's result in a run: success, warning or failure, with the failed steps. */
export function hostEvent(runId: number, r: HostOutcome, steps: Array<{ host: string; step: string; source: string | null; status: string; error: string | null }>): NotifyEvent {
  const kind: NotifyEventKind = r.status === 'ok' ? 'success' : r.status === 'warning' ? 'warning' : 'failure';
  const failures = steps
    .filter((s) => s.host === r.host && (s.status === 'failed' || s.status === 'warning') && s.error)
    .map((s) => ({ step: s.step, ...(s.source ? { source: s.source } : {}), error: s.error! }));
  const archive = r.archive ? `archive ${r.archive}${r.partial ? ' (partial)' : ''}` : 'no archive';
  const e: NotifyEvent = {
    kind,
    command: 'run',
    at: now(),
    status: r.status,
    runId,
    host: r.host,
    title: `pullback: ${r.host} ${r.status.toUpperCase()} (${archive})`,
    summary: [`${r.host}: ${r.status.toUpperCase()}, ${archive}`, ...r.problems.map((p) => `  ${p}`)].join('\n'),
    failures,
    errors: [...r.problems],
    checks: [...r.checks],
  };
  if (r.archive) e.archive = r.archive;
  if (r.partial) e.partial = true;
  if (failures[0]?.source) e.source = failures[0].source;
  return e;
}

/** The event of a run's end: the overall status and the summary table. */
export function finishEvent(command: string, runId: number, status: string, summary: string): NotifyEvent {
  return { kind: 'finish', command, at: now(), status, runId, title: `pullback ${command} ${status.toUpperCase()}`, summary };
}

/** The event of one host's drill. */
export function drillEvent(runId: number, d: { host: string; status: string; archive?: string; seed: string }, problems: string[]): NotifyEvent {
  const e: NotifyEvent = {
    kind: 'drill',
    command: 'drill',
    at: now(),
    status: d.status,
    runId,
    host: d.host,
    title: `pullback drill: ${d.host} ${d.status.toUpperCase()}${d.archive ? ` (${d.archive})` : ''}`,
    summary: [`drill of ${d.host}: ${d.status.toUpperCase()} (seed ${d.seed})`, ...problems.map((p) => `  ${p}`)].join('\n'),
    errors: problems,
    details: { seed: d.seed },
  };
  if (d.archive) e.archive = d.archive;
  return e;
}

/** The event of a restore's (or rollback's) start or end. */
export function restoreEvent(phase: 'start' | 'end', r: { restoreId: number; kind: string; host: string; target: string; archive: string; status: string; error?: string }): NotifyEvent {
  const what = `${r.kind} ${r.restoreId} of ${r.host} onto ${r.target} from ${r.archive}`;
  return {
    kind: 'restore',
    command: 'restore',
    phase,
    at: now(),
    status: r.status,
    host: r.target,
    archive: r.archive,
    title: phase === 'start' ? `pullback: ${what} started` : `pullback: ${what} ${r.status.toUpperCase()}`,
    summary: phase === 'start' ? `${what} started` : `${what}: ${r.status.toUpperCase()}${r.error ? `\n  ${r.error}` : ''}`,
    errors: r.error ? [r.error] : [],
    details: { restore_id: r.restoreId, origin: r.host, restore_kind: r.kind },
  };
}

/** The words for a host, a source or an off-site copy in an event. */
function staleWho(s: { host: string; source?: string; offsite?: string }): string {
  return s.offsite ? `${s.host}'s off-site copy on ${s.offsite}` : s.source ? `${s.host}/${s.source}` : s.host;
}

/**
 * The event of a host (or one of its sources) whose last success is older than its max_age; for
 * `pullback status`. `reminder`: it was stale when last told (since `staleSince`) and still is.
 */
export function staleEvent(s: { host: string; source?: string; offsite?: string; lastSuccess?: string; ageSeconds?: number; maxAgeSeconds: number; reminder?: boolean }): NotifyEvent {
  const who = staleWho(s);
  const last = s.lastSuccess ? `last success ${s.lastSuccess}` : 'never succeeded';
  const e: NotifyEvent = {
    kind: 'stale',
    command: 'status',
    at: now(),
    status: 'stale',
    host: s.host,
    title: `pullback: ${who} is ${s.reminder ? 'still ' : ''}stale (${last})`,
    summary: `${who}: ${last}; max age ${Math.round(s.maxAgeSeconds / 3600)}h`,
    details: { last_success: s.lastSuccess ?? null, age_seconds: s.ageSeconds ?? null, max_age_seconds: s.maxAgeSeconds, ...(s.offsite ? { offsite: s.offsite } : {}) },
  };
  if (s.source) e.source = s.source;
  return e;
}

/** The event of a systemd unit of pullback that failed (its OnFailure= handler): a failure, naming the unit and where its log is. */
export function unitFailedEvent(unit: string): NotifyEvent {
  return {
    kind: 'failure',
    command: 'systemd',
    at: now(),
    status: 'failed',
    title: `pullback: systemd unit ${unit} FAILED`,
    summary: `${unit} failed (it exited non-zero, was killed, or ran past its time limit); its output: journalctl -u ${unit}`,
    errors: [`systemd unit ${unit} failed`],
    details: { unit },
  };
}

/** The event of a host, source or off-site copy that was stale when last told and is fresh again; for `pullback status`. */
export function recoveredEvent(s: { host: string; source?: string; offsite?: string; staleSince: string }): NotifyEvent {
  const who = staleWho(s);
  const e: NotifyEvent = {
    kind: 'recovered',
    command: 'status',
    at: now(),
    status: 'ok',
    host: s.host,
    title: `pullback: ${who} recovered (fresh again)`,
    summary: `${who}: fresh again; stale since ${s.staleSince}`,
    details: { stale_since: s.staleSince, ...(s.offsite ? { offsite: s.offsite } : {}) },
  };
  if (s.source) e.source = s.source;
  return e;
}
