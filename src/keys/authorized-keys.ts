// The authorized_keys lines of a host's restricted keys (pullback hosts authorize): per role, the
// public key with `restrict` and a forced command running pullback-gate (share/remote) with the
// role's policy in its arguments: the source paths, the dump commands, the restore hooks.
import type { HostConfig, SshRole } from '../config/types.js';
import type { DatabaseEngine } from '../engines/engine.js';
import { shellQuote } from '../tools/ssh/quote.js';

/** Where `hosts authorize` says to install the gate unless told otherwise. */
export const DEFAULT_GATE_PATH = '/usr/local/lib/pullback/pullback-gate';
/** Placeholders of dump argv templates, replaced by the gate's own checks (see pullback-gate). */
export const OUT_PLACEHOLDER = '@@OUT@@';
export const DB_PLACEHOLDER = '@@DB@@';

export interface AuthorizeInput {
  host: HostConfig;
  /** The public key line (`type base64 [comment]`) of each role's private key. */
  publicKeys: Record<SshRole, string>;
  /** The private key file of each role (to tell when roles share one). */
  keyFiles: Record<SshRole, string>;
  gatePath: string;
  engine: (name: string) => DatabaseEngine;
}

export interface AuthorizedLine {
  role: SshRole;
  /** What the key may do, for people. */
  allows: string;
  line: string;
}

export type AuthorizePlan = { ok: true; lines: AuthorizedLine[] } | { ok: false; problems: string[] };

/** The roles a host uses: pull and restore always, dump when a source takes dumps. */
export function rolesOf(host: HostConfig): SshRole[] {
  const roles: SshRole[] = host.sources.some((s) => s.dump) ? ['pull', 'dump', 'restore'] : ['pull', 'restore'];
  return host.sources.some((s) => s.pitr) ? [...roles, 'wal'] : roles;
}

/** The lines to install for `host`, or every reason they cannot be written. Pure. */
export function planAuthorizedKeys(input: AuthorizeInput): AuthorizePlan {
  const { host } = input;
  const roles = rolesOf(host);
  const problems: string[] = [];
  // sshd uses the first line matching a key: roles sharing a key would share its restrictions.
  for (const [i, a] of roles.entries()) {
    for (const b of roles.slice(i + 1)) {
      if (input.keyFiles[a] === input.keyFiles[b]) {
        problems.push(`the ${a} and ${b} roles use the same key ${input.keyFiles[a]}: give each role its own key under keys: in ${host.file}`);
      }
    }
  }
  const dumps = host.sources.filter((s) => s.dump);
  for (const s of dumps) {
    // The gate reads these placeholders in a template as "any file" and "any plain name".
    const placeholder = Array.isArray(s.dump!.databases) ? s.dump!.databases.find((d) => d.includes(OUT_PLACEHOLDER) || d.includes(DB_PLACEHOLDER)) : undefined;
    if (placeholder !== undefined) problems.push(`source ${s.name}: the database name ${JSON.stringify(placeholder)} contains a placeholder of the dump key's policy (${OUT_PLACEHOLDER} or ${DB_PLACEHOLDER})`);
    if (s.dump!.engine === 'sqlite') problems.push(`source ${s.name}: sqlite dumps cannot be restricted (sqlite3 reads its commands from stdin); dump it with a cron job on the server and pull the directory`);
  }
  const policies: Record<Exclude<SshRole, 'wal'>, string[]> = { pull: pullPolicy(host), dump: dumpPolicy(host, input.engine), restore: restorePolicy(host, input.engine) };
  const lines: AuthorizedLine[] = [];
  for (const role of roles) {
    if (role === 'wal') {
      const key = input.publicKeys.wal.trim();
      if (!/^(ssh|ecdsa|sk)-[A-Za-z0-9@.-]+ [A-Za-z0-9+/=]+( .*)?$/.test(key) || key.includes('\n')) problems.push('the wal public key is not one line of the form "type base64 [comment]"');
      else lines.push({ role, allows: ALLOWS.wal, line: walLine(host, key) });
      continue;
    }
    const argv = ['exec', input.gatePath, role, ...policies[role]];
    const bad = argv.find((a) => /[\0\r\n]/.test(a));
    if (bad !== undefined) {
      problems.push(`${JSON.stringify(bad)} (${role} key) contains a line break, which an authorized_keys line cannot hold`);
      continue;
    }
    const key = input.publicKeys[role].trim();
    if (!/^(ssh|ecdsa|sk)-[A-Za-z0-9@.-]+ [A-Za-z0-9+/=]+( .*)?$/.test(key) || key.includes('\n')) {
      problems.push(`the ${role} public key is not one line of the form "type base64 [comment]"`);
      continue;
    }
    lines.push({ role, allows: ALLOWS[role], line: `restrict,command="${authorizedKeysEscape(argv.map(shellQuote).join(' '))}" ${key}` });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, lines };
}

const ALLOWS: Record<SshRole, string> = {
  pull: 'read-only rsync of the source paths (and read-only stat/sha256sum/getfattr of files below them, for drills); no writes, deletes, shell or other commands',
  dump: 'the configured dump commands writing into the dump directories, and the file operations of their rotation there (create, checksum, rename, delete); nothing else',
  restore: 'rsync to and from the source paths, the restore probes, the configured stop_writes/start_writes/check commands and the database clients; install it only for a restore and remove it afterwards',
  wal: 'a forwarded connection to the database server of each source with pitr (pg_receivewal, pg_basebackup; mariadb-binlog); no command, no shell',
};

/**
 * The wal key's line: `restrict` (no pty, agent or X11, no forwarding) then only forwarding to the
 * pitr connections' host:port; its forced command does nothing (the tunnel opens no session).
 */
function walLine(host: HostConfig, key: string): string {
  const to = [...new Set(host.sources.filter((s) => s.pitr).map((s) => `${s.pitr!.connection.host.includes(':') ? `[${s.pitr!.connection.host}]` : s.pitr!.connection.host}:${s.pitr!.connection.port}`))];
  return `restrict,port-forwarding,${to.map((t) => `permitopen="${t}"`).join(',')},command="/bin/false" ${key}`;
}

/** sshd's command="..." value: a double quote inside is written \" (nothing else is special). */
export function authorizedKeysEscape(command: string): string {
  return command.replace(/"/g, '\\"');
}

function pullPolicy(host: HostConfig): string[] {
  return host.sources.flatMap((s) => ['--root', s.path]);
}

function dumpPolicy(host: HostConfig, engineOf: (name: string) => DatabaseEngine): string[] {
  const out: string[] = [];
  for (const s of host.sources) {
    const dump = s.dump;
    if (!dump || dump.engine === 'sqlite') continue;
    const engine = engineOf(dump.engine);
    const conn = dump.connection;
    const templates: string[][] = [engine.versionArgv(conn)];
    // Each dump reads the database's properties first (dump/take.ts), with the same key.
    const dumpOpts = { binlogPosition: s.pitr !== undefined };
    const propertiesOf = (db: string) => (engine.propertiesArgv ? [engine.propertiesArgv(conn, db)] : []);
    if (dump.databases === 'all') {
      templates.push(engine.listDatabasesArgv(conn), engine.dumpArgv(conn, DB_PLACEHOLDER, OUT_PLACEHOLDER, dumpOpts), ...propertiesOf(DB_PLACEHOLDER));
      if (engine.globalsDumpArgv) templates.push(engine.globalsDumpArgv(conn, OUT_PLACEHOLDER));
    } else {
      for (const db of dump.databases) templates.push(engine.dumpArgv(conn, db, OUT_PLACEHOLDER, dumpOpts), ...propertiesOf(db));
    }
    out.push('--dir', s.path, ...unique(templates).flatMap((t) => ['--command', JSON.stringify(t)]));
  }
  return out;
}

/** The database client programs a restore of this engine runs on the server. */
const CLIENTS: Record<string, string[]> = {
  postgres: ['psql', 'pg_restore', 'pg_dump', 'pg_dumpall'],
  mariadb: ['mariadb', 'mariadb-dump'],
  mysql: ['mysql', 'mysqldump'],
};

function restorePolicy(host: HostConfig, engineOf: (name: string) => DatabaseEngine): string[] {
  const out = host.sources.flatMap((s) => ['--root', s.path]);
  const commands = [...host.restore.stopWrites, ...host.restore.startWrites, ...host.restore.checks.flatMap((c) => (c.command ? [c.command] : []))];
  for (const c of unique(commands)) out.push('--command', JSON.stringify(c));
  const engines = [...new Set(host.sources.flatMap((s) => (s.dump ? [s.dump.engine] : [])))];
  for (const e of engines) for (const c of CLIENTS[engineOf(e).name] ?? []) out.push('--client', c);
  const files = new Set(host.sources.flatMap((s) => (s.dump?.connection.passwordFile ? [s.dump.connection.passwordFile] : [])));
  for (const f of files) out.push('--file', f);
  return out;
}

function unique(argvs: string[][]): string[][] {
  const seen = new Set<string>();
  return argvs.filter((a) => {
    const k = JSON.stringify(a);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
