// What a job prints in cron mode (logging/output-mode.ts): nothing when every host went well, and
// otherwise a few lines an operator can act on from the cron mail alone: which host, which step,
// the error. Never whole command lines (an rsync command line is 800 characters of options): an
// error is cut to a few short lines and the log file, named in the first line, has the rest. Pure.
import { join } from 'node:path';
import { logDay, logFileName } from '../logging/rotation.js';

export interface QuietHost {
  host: string;
  status: string;
  /** The host's problem lines (used when no step of it recorded an error). */
  problems: readonly string[];
}

export interface QuietStep {
  host: string;
  step: string;
  source: string | null;
  status: string;
  error: string | null;
}

const MAX_LINES = 3;
const MAX_CHARS = 300;

/** `text` cut to its first few lines, each at most a few hundred characters. */
export function clip(text: string): string[] {
  const lines = text.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
  const kept = lines.slice(0, MAX_LINES).map((l) => (l.length > MAX_CHARS ? `${l.slice(0, MAX_CHARS - 1)}…` : l));
  if (lines.length > MAX_LINES) kept.push(`(${lines.length - MAX_LINES} more line(s) in the log file)`);
  return kept;
}

/** The day's log file under `stateDir`, named so the operator knows where the details are. */
export function logFileOf(stateDir: string, now = new Date()): string {
  return join(stateDir, 'logs', logFileName(logDay(now)));
}

/** One host that did not go well: its status, then each failed or warning step with its error. */
function hostLines(h: QuietHost, steps: readonly QuietStep[]): string[] {
  const own = steps.filter((s) => s.host === h.host && (s.status === 'failed' || s.status === 'warning' || s.status === 'interrupted') && s.error);
  const lines = [`${h.host}: ${h.status.toUpperCase()}`];
  if (own.length > 0) {
    for (const s of own) {
      const [first = '', ...rest] = clip(s.error!);
      lines.push(`  step ${s.step}${s.source ? ` (source ${s.source})` : ''} ${s.status}: ${first}`, ...rest.map((l) => `    ${l}`));
    }
  } else {
    for (const p of h.problems) {
      const [first = '', ...rest] = clip(p);
      lines.push(`  ${first}`, ...rest.map((l) => `    ${l}`));
    }
  }
  return lines;
}

/**
 * The lines of a job in cron mode: empty when every host is ok (or skipped) and nothing else went
 * wrong; otherwise a first line with the job's status and the log file, then each host that failed
 * or warned, then `extra` (notifications that could not be delivered, ...).
 */
export function quietLines(job: { command: string; status: string; logFile: string }, hosts: readonly QuietHost[], steps: readonly QuietStep[], extra: readonly string[] = []): string[] {
  const bad = hosts.filter((h) => h.status !== 'ok' && h.status !== 'skipped');
  if (bad.length === 0 && extra.length === 0) return [];
  const count = bad.length > 0 ? `: ${bad.length} of ${hosts.length} host(s) ${bad.every((h) => h.status === 'warning') ? 'warned' : 'did not succeed'}` : '';
  return [`pullback ${job.command} ${job.status.toUpperCase()}${count} (details: ${job.logFile})`, ...bad.flatMap((h) => hostLines(h, steps)), ...extra.flatMap((l) => clip(l))];
}

/** The one line of `--summary`: the job's status and each host's. */
export function summaryLine(command: string, status: string, hosts: readonly QuietHost[]): string {
  return `pullback ${command} ${status.toUpperCase()}: ${hosts.map((h) => `${h.host} ${h.status.toUpperCase()}`).join(', ') || 'no hosts'}`;
}
