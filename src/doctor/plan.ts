// What `pullback doctor` checks, planned from the configuration alone (pure: nothing is looked at
// here). Each check says what it is about and why pullback needs it; probe.ts measures, verdict.ts
// turns each measurement into one OK/WARN/FAIL line.
import { join } from 'node:path';
import type { Config } from '../config/types.js';
import { repositoryPath } from '../config/types.js';
import { ENGINE_TOOLS, type ToolName } from './tools.js';

export type Check =
  | { kind: 'node' }
  | { kind: 'user' }
  /** A program on PATH (or in `dirs` first); `required` false makes its absence a warning. */
  | { kind: 'tool'; tool: ToolName; why: string; required: boolean; dirs?: string[] }
  | { kind: 'fuse' }
  /** A private key or a passphrase/password file: there, a file, its owner's only (0600 or 0400), owned by the user pullback runs as. */
  | { kind: 'secret-file'; path: string; label: string }
  /** A file pullback reads that need not be secret (known_hosts). */
  | { kind: 'file'; path: string; label: string }
  | { kind: 'state-dir'; path: string }
  /** The filesystems holding `paths` (counted once each), against `maxUsage` (max_disk_usage). */
  | { kind: 'space'; paths: Array<{ path: string; label: string }>; maxUsage: number }
  | { kind: 'clock' };

export interface PlanInput {
  /** The loaded configuration, or undefined when there is none to read (tools only). */
  config?: Config;
  /** `doctor --mount`: FUSE for `pullback mount`. */
  mount: boolean;
  /** Where PostgreSQL's server-side tools live when not on PATH (Debian: /usr/lib/postgresql/N/bin). */
  pgBinDir?: string;
}

/** Every check, in the order printed: the runtime, the tools, the configured files, the disks, the clock. */
export function planChecks(input: PlanInput): Check[] {
  const checks: Check[] = [{ kind: 'node' }, { kind: 'user' }];
  const tool = (t: ToolName, why: string, required = true, dirs?: string[]) => checks.push({ kind: 'tool', tool: t, why, required, ...(dirs ? { dirs } : {}) });
  tool('borg', 'archives, checks, restores');
  tool('rsync', 'pulls and restores of files');
  tool('ssh', 'every connection to the main servers');
  tool('getfattr', 'drills compare extended attributes', false);
  const c = input.config;
  if (c) {
    for (const [engine, sources] of enginesUsed(c)) {
      for (const t of ENGINE_TOOLS[engine] ?? []) tool(t, `${engine} sources ${sources.join(', ')}`);
    }
    const pitrOf = (engine: string) => c.hosts.flatMap((h) => h.sources.filter((s) => s.pitr?.engine === engine).map((s) => `${h.name}/${s.name}`));
    const pitr = pitrOf('postgres');
    if (pitr.length > 0) for (const t of ['pg_receivewal', 'pg_basebackup'] as const) tool(t, `point-in-time recovery of ${pitr.join(', ')}`, true, input.pgBinDir ? [input.pgBinDir] : undefined);
    // Binary logs: received by mariadb-binlog; restore --at replays them in a scratch mariadbd.
    const maria = pitrOf('mariadb');
    if (maria.length > 0) {
      tool('mariadb-binlog', `point-in-time recovery of ${maria.join(', ')}`);
      tool('mariadbd', `restore --at of ${maria.join(', ')} (a scratch server)`, false);
    }
    const mysql = pitrOf('mysql');
    if (mysql.length > 0) tool('mysqlbinlog', `point-in-time recovery of ${mysql.join(', ')}`);
    const rclone = c.global.offsite.filter((t) => t.kind === 'rclone').map((t) => t.name);
    if (rclone.length > 0) tool('rclone', `off-site targets ${rclone.join(', ')}`);
  }
  if (input.mount) checks.push({ kind: 'fuse' });
  if (!c) return [...checks, { kind: 'clock' }];

  const g = c.global;
  const secret = (path: string | undefined, label: string) => path && checks.push({ kind: 'secret-file', path, label });
  secret(g.ssh.identityFile, 'SSH identity file (ssh.identity_file)');
  for (const h of c.hosts) for (const [role, path] of Object.entries(h.keys ?? {})) secret(path, `SSH ${role} key of ${h.name} (keys.${role})`);
  if (g.repository.encryption !== 'none') secret(g.repository.passphraseFile, 'borg passphrase file (repository.passphrase_file)');
  for (const t of g.offsite) {
    if (t.kind !== 'borg') continue;
    secret(t.identityFile, `SSH identity file of off-site target ${t.name}`);
    secret(t.passphraseFile, `borg passphrase file of off-site target ${t.name}`);
  }
  const engines = new Set(enginesUsed(c).keys());
  if (engines.has('postgres')) secret(g.drill.database.postgres.passwordFile, 'drill PostgreSQL password file (drill.database.postgres.password_file)');
  if (engines.has('mariadb') || engines.has('mysql')) secret(g.drill.database.mariadb.passwordFile, 'drill MariaDB password file (drill.database.mariadb.password_file)');
  for (const h of c.hosts) for (const s of h.sources) if (s.pitr) secret(s.pitr.connection.passwordFile, `replication password file of ${h.name}/${s.name} (pitr.connection.password_file)`);
  secret(g.catalog?.passwordFile, "fleet catalog's password file (catalog.password_file)");
  checks.push({ kind: 'file', path: g.ssh.knownHosts, label: 'known_hosts file (ssh.known_hosts)' });
  checks.push({ kind: 'state-dir', path: g.stateDir });
  checks.push({
    kind: 'space',
    maxUsage: g.maxDiskUsage,
    paths: [
      { path: g.stateDir, label: 'state' },
      { path: join(g.stateDir, 'mirror'), label: 'mirror' },
      ...c.hosts.map((h) => ({ path: repositoryPath(g, h.name), label: `repository of ${h.name}` })),
    ],
  });
  checks.push({ kind: 'clock' });
  return checks;
}

/** Each database engine the configuration dumps with, and its sources as `host/source`, in config order. */
export function enginesUsed(c: Config): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const h of c.hosts) {
    for (const s of h.sources) {
      if (!s.dump) continue;
      out.set(s.dump.engine, [...(out.get(s.dump.engine) ?? []), `${h.name}/${s.name}`]);
    }
  }
  return out;
}

