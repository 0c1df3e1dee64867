// The event as the JSON that webhooks POST and command notifiers read on stdin
// (docs/schemas/event.schema.json): snake_case, schema_version, the backup host's name, and `text`,
// the one line a chat webhook shows. Pure.
import { jsonDocument } from '../util/json-doc.js';
import type { NotifyEvent } from './event.js';

/** The longest `text`: chat services cut or refuse long messages, and the summary can be a whole table. */
const TEXT_MAX = 500;
/** Summary lines said in `text` after the title. */
const TEXT_LINES = 3;

/** One human line: the title, then the first lines of the summary, cut at TEXT_MAX characters. */
export function eventLine(e: Pick<NotifyEvent, 'title' | 'summary'>): string {
  const lines = (e.summary ?? '').split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const shown = lines.slice(0, TEXT_LINES);
  const more = lines.length > shown.length ? [`(${lines.length - shown.length} more line(s))`] : [];
  const line = [e.title, ...shown, ...more].join(' | ');
  return line.length > TEXT_MAX ? `${line.slice(0, TEXT_MAX - 1)}…` : line;
}

/** The payload of `e`, sent from `backupHost` (the machine pullback runs on). */
export function eventPayload(e: NotifyEvent, backupHost: string): unknown {
  return jsonDocument({
    kind: e.kind,
    command: e.command,
    at: e.at,
    status: e.status,
    title: e.title,
    text: eventLine(e),
    backup_host: backupHost,
    ...(e.summary !== undefined ? { summary: e.summary } : {}),
    ...(e.runId !== undefined ? { run_id: e.runId } : {}),
    ...(e.host !== undefined ? { host: e.host } : {}),
    ...(e.source !== undefined ? { source: e.source } : {}),
    ...(e.archive !== undefined ? { archive: e.archive } : {}),
    ...(e.partial !== undefined ? { partial: e.partial } : {}),
    ...(e.failures !== undefined ? { failures: e.failures.map((f) => ({ step: f.step, ...(f.source !== undefined ? { source: f.source } : {}), error: f.error })) } : {}),
    ...(e.errors !== undefined ? { errors: e.errors } : {}),
    ...(e.checks !== undefined ? { checks: e.checks } : {}),
    ...(e.phase !== undefined ? { phase: e.phase } : {}),
    ...(e.details !== undefined ? { details: e.details } : {}),
  });
}
