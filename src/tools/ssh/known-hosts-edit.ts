// Recording a host key in known_hosts: a pure planner that decides from the file's text what to do
// (nothing, refuse, or the new text), and a writer that replaces the file atomically. A changed key
// is only ever replaced when asked to, and then only this host's name leaves the old lines.
import { mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { hostFieldMatches, knownHostsLine, knownHostsName, parseKnownHosts, recordedKeys, verifyHostKey, type KnownHostEntry } from './known-hosts.js';

export type KnownHostsPlan =
  | { kind: 'known' }
  | { kind: 'revoked'; line: number }
  | { kind: 'changed'; recorded: KnownHostEntry[] }
  /** The old key is recorded by a wildcard pattern that names other hosts too: it is edited by hand. */
  | { kind: 'shared'; line: number; pattern: string }
  | { kind: 'write'; text: string; line: string; replaced: KnownHostEntry[] };

/** What recording `key` for host:port in known_hosts `text` means; `replace` allows dropping a different recorded key. */
export function planKnownHostsUpdate(text: string, host: string, port: number, key: Buffer, replace: boolean): KnownHostsPlan {
  const entries = parseKnownHosts(text);
  const verdict = verifyHostKey(entries, host, port, key);
  if (verdict.ok) return { kind: 'known' };
  if (verdict.reason === 'revoked') {
    const name = knownHostsName(host, port);
    return { kind: 'revoked', line: entries.find((e) => e.marker === 'revoked' && hostFieldMatches(e.patterns, name) && e.key.equals(key))!.line };
  }
  const recorded = recordedKeys(entries, host, port);
  if (recorded.length > 0 && !replace) return { kind: 'changed', recorded };

  const name = knownHostsName(host, port);
  const lines = text.split('\n');
  for (const e of recorded) {
    const own = e.patterns.filter((p) => !p.startsWith('!') && hostFieldMatches([p], name));
    const wildcard = own.find((p) => /[*?]/.test(p));
    if (wildcard) return { kind: 'shared', line: e.line, pattern: wildcard };
    const rest = e.patterns.filter((p) => !own.includes(p));
    const raw = lines[e.line - 1]!;
    // Other names on the line keep the old key; a line left with none (or only negations) goes.
    lines[e.line - 1] = rest.some((p) => !p.startsWith('!')) ? raw.replace(/^(\s*)\S+/, `$1${rest.join(',')}`) : '\0';
  }
  const kept = lines.filter((l) => l !== '\0').join('\n');
  const line = knownHostsLine(host, port, key);
  const text2 = `${kept}${kept === '' || kept.endsWith('\n') ? '' : '\n'}${line}\n`;
  return { kind: 'write', text: text2, line, replaced: recorded };
}

/** Replaces `file` with `text` atomically, keeping its mode (0600 for a new file, its directory made 0700 if missing). */
export function saveKnownHosts(file: string, text: string): void {
  let mode = 0o600;
  try {
    mode = statSync(file).mode & 0o777;
  } catch {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  }
  const tmp = `${file}.pullback-${process.pid}`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, file);
}
