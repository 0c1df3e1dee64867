// The typed offsite list of a schema-valid global file, and its cross-field rules.
import { resolve } from 'node:path';
import { OFFSITE_DEFAULTS } from './schema-offsite.js';
import type { ChecksConfig, SshConfig } from './types.js';
import type { OffsiteTarget } from './types-offsite.js';
import { parseDuration, parsePercent, parseSize } from './units.js';

export interface RawOffsite {
  name: string;
  rclone?: string;
  borg?: string;
  after?: string;
  bwlimit?: number | string;
  window?: string;
  rclone_config?: string;
  max_shrink?: string;
  max_age?: number | string;
  identity_file?: string;
  known_hosts?: string;
  passphrase_file?: string;
}

const DAY = 86_400;
/** How often each check frequency comes round, in seconds (the cadence of after: check copies). */
const CADENCE: Record<string, number> = { always: DAY, daily: DAY, weekly: 7 * DAY, monthly: 31 * DAY, never: 31 * DAY };

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** The targets of `raw` (cross-rules made sure each has exactly one kind); `dir` resolves relative paths. */
export function normalizeOffsite(
  raw: RawOffsite[] | undefined,
  dir: string,
  d: { ssh: SshConfig; passphraseFile?: string; checks: ChecksConfig },
): OffsiteTarget[] {
  return (raw ?? []).map((t) => {
    const after = (t.after ?? OFFSITE_DEFAULTS.after) as 'check' | 'archive';
    const common = {
      name: t.name,
      after,
      maxShrink: parsePercent(t.max_shrink ?? OFFSITE_DEFAULTS.maxShrink),
      maxAgeSeconds: t.max_age !== undefined ? parseDuration(t.max_age) : 2 * (after === 'check' ? CADENCE[d.checks.repository]! : DAY),
      ...(t.bwlimit !== undefined ? { bwlimitBytes: parseSize(t.bwlimit) } : {}),
      ...(t.window ? { window: { start: minutes(t.window), end: minutes(t.window.slice(6)), text: t.window } } : {}),
    };
    if (t.rclone !== undefined) {
      return { ...common, kind: 'rclone', remoteTemplate: t.rclone, ...(t.rclone_config ? { rcloneConfig: resolve(dir, t.rclone_config) } : {}) };
    }
    const passphraseFile = t.passphrase_file ? resolve(dir, t.passphrase_file) : d.passphraseFile;
    return {
      ...common,
      kind: 'borg',
      repoTemplate: t.borg!,
      identityFile: t.identity_file ? resolve(dir, t.identity_file) : d.ssh.identityFile,
      knownHosts: t.known_hosts ? resolve(dir, t.known_hosts) : d.ssh.knownHosts,
      ...(passphraseFile ? { passphraseFile } : {}),
    };
  });
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Cross-field problems of the offsite list, as [key path, message] pairs (the caller adds file and line). */
export function offsiteProblems(raw: unknown): Array<{ path: Array<string | number>; message: string }> {
  const out: Array<{ path: Array<string | number>; message: string }> = [];
  if (!Array.isArray(raw)) return out;
  const seen = new Set<string>();
  raw.forEach((t, i) => {
    if (!isObj(t)) return;
    const at = ['offsite', i];
    const kinds = ['rclone', 'borg'].filter((k) => t[k] !== undefined);
    if (kinds.length !== 1) out.push({ path: at, message: `an off-site target needs exactly one of rclone or borg (${kinds.length === 0 ? 'it has none' : 'it has both'})` });
    for (const k of kinds) {
      if (typeof t[k] === 'string' && !(t[k] as string).includes('{host}')) {
        out.push({ path: [...at, k], message: `must contain {host}: every host needs its own copy, or the hosts' syncs would overwrite each other` });
      }
    }
    if (typeof t.name === 'string') {
      if (seen.has(t.name)) out.push({ path: [...at, 'name'], message: `duplicate off-site target name '${t.name}'` });
      seen.add(t.name);
    }
    const only = (keys: string[], kind: string) => {
      for (const k of keys) if (t[k] !== undefined && t[kind] === undefined) out.push({ path: [...at, k], message: `'${k}' belongs to ${kind === 'rclone' ? 'an' : 'a'} ${kind} target` });
    };
    only(['rclone_config'], 'rclone');
    only(['identity_file', 'known_hosts', 'passphrase_file'], 'borg');
    if (typeof t.window === 'string' && t.window.slice(0, 5) === t.window.slice(6)) out.push({ path: [...at, 'window'], message: 'the window starts and ends at the same time (leave window out for any time)' });
  });
  return out;
}
