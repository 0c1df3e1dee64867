// The typed notify list of a schema-valid global file: defaults applied, local paths absolute.
import { resolve } from 'node:path';
import { DEFAULT_ON, NOTIFY_DEFAULTS } from './schema-notify.js';
import type { NotifierCommon, NotifierConfig, NotifierKind, NotifyEventKind } from './types-notify.js';
import { parseDuration } from './units.js';

export interface RawNotifier {
  webhook?: string;
  headers?: Array<{ name: string; value?: string; value_file?: string }>;
  command?: string[];
  healthchecks?: string;
  email?: { to: string[]; from: string; sendmail?: string; smtp?: { host: string; port?: number; secure?: boolean; user?: string; password_file?: string } };
  on?: string[];
  timeout?: number | string;
  attempts?: number;
  backoff?: number | string;
}

/** The notifiers of `raw` (cross-rules made sure each has exactly one kind); `dir` resolves relative paths. */
export function normalizeNotify(raw: RawNotifier[] | undefined, dir: string): NotifierConfig[] {
  return (raw ?? []).map((n) => {
    const kind: NotifierKind = n.webhook !== undefined ? 'webhook' : n.command !== undefined ? 'command' : n.healthchecks !== undefined ? 'healthchecks' : 'email';
    const common: NotifierCommon = {
      kind,
      on: (n.on ?? DEFAULT_ON[kind]) as NotifyEventKind[],
      timeoutSeconds: parseDuration(n.timeout ?? NOTIFY_DEFAULTS.timeout),
      attempts: n.attempts ?? NOTIFY_DEFAULTS.attempts,
      backoffSeconds: parseDuration(n.backoff ?? NOTIFY_DEFAULTS.backoff),
    };
    switch (kind) {
      case 'webhook':
        return {
          ...common,
          kind,
          url: n.webhook!,
          headers: (n.headers ?? []).map((h) => ({ name: h.name, ...(h.value !== undefined ? { value: h.value } : {}), ...(h.value_file ? { valueFile: resolve(dir, h.value_file) } : {}) })),
        };
      case 'command':
        return { ...common, kind, argv: [...n.command!] };
      case 'healthchecks':
        return { ...common, kind, url: n.healthchecks! };
      case 'email': {
        const e = n.email!;
        const out: NotifierConfig = { ...common, kind, to: [...e.to], from: e.from };
        if (e.sendmail) out.sendmail = resolve(dir, e.sendmail);
        if (e.smtp) {
          out.smtp = { host: e.smtp.host, port: e.smtp.port ?? 587, secure: e.smtp.secure ?? false };
          if (e.smtp.user) out.smtp.user = e.smtp.user;
          if (e.smtp.password_file) out.smtp.passwordFile = resolve(dir, e.smtp.password_file);
        }
        return out;
      }
    }
  });
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Cross-field problems of the notify list, as [index path, message] pairs (the caller adds file and line). */
export function notifyProblems(raw: unknown): Array<{ path: Array<string | number>; message: string }> {
  const out: Array<{ path: Array<string | number>; message: string }> = [];
  if (!Array.isArray(raw)) return out;
  raw.forEach((n, i) => {
    if (!isObj(n)) return;
    const at = ['notify', i];
    const present = ['webhook', 'command', 'healthchecks', 'email'].filter((k) => n[k] !== undefined);
    if (present.length !== 1) {
      out.push({ path: at, message: `a notifier needs exactly one of webhook, command, healthchecks or email (${present.length === 0 ? 'it has none' : `it has ${present.join(' and ')}`})` });
    }
    if (n.headers !== undefined && n.webhook === undefined) out.push({ path: [...at, 'headers'], message: 'headers belong to a webhook notifier' });
    if (Array.isArray(n.headers)) {
      n.headers.forEach((h, j) => {
        if (isObj(h) && (h.value === undefined) === (h.value_file === undefined)) out.push({ path: [...at, 'headers', j], message: 'a header needs exactly one of value or value_file' });
      });
    }
    for (const k of ['webhook', 'healthchecks']) {
      if (typeof n[k] === 'string' && !/^https?:\/\/[^/\s]+/.test(n[k] as string)) out.push({ path: [...at, k], message: `not an http(s) URL: ${JSON.stringify(n[k])}` });
    }
    if (isObj(n.email) && (n.email.sendmail === undefined) === (n.email.smtp === undefined)) {
      out.push({ path: [...at, 'email'], message: 'email needs exactly one of sendmail or smtp' });
    }
  });
  return out;
}
