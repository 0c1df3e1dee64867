// Step 4: rules across fields and files that a schema cannot say well. They read the parsed data
// defensively, so they are reported together with schema problems of the same file.
import { isAbsolute } from 'node:path';
import type { ConfigProblem } from '../errors.js';
import { formatKey, lineOf, type KeyPath, type YamlFile } from './load-yaml.js';
import { scheduleRules } from './schema-schedule.js';
import { notifyProblems } from './normalize-notify.js';
import { offsiteProblems } from './normalize-offsite.js';
import { show } from './validate.js';
import { DEFAULTS } from './defaults.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const items = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const SOURCE_KINDS = ['database', 'blobs', 'data'];

function problem(y: YamlFile, path: KeyPath, message: string, atKey = false): ConfigProblem {
  return { file: y.file, line: lineOf(y, path, atKey), key: formatKey(path), message };
}

/** Rules of the global file: a passphrase unless unencrypted, a retention that keeps something. */
export function globalRules(y: YamlFile): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const data = isObj(y.data) ? y.data : {};
  const repo = data.repository;
  if (isObj(repo)) {
    const encryption = repo.encryption ?? 'repokey-blake2';
    // A non-text encryption is the schema's problem; this rule speaks only about real modes.
    if (typeof encryption === 'string' && encryption !== 'none' && repo.passphrase_file === undefined) {
      out.push(problem(y, ['repository'], `passphrase_file is required when encryption is ${encryption} (or set encryption: none)`));
    }
  }
  const ret = data.retention;
  if (isObj(ret) && ['daily', 'weekly', 'monthly'].every((k) => ret[k] === 0)) {
    out.push(problem(y, ['retention'], 'at least one of daily, weekly, monthly must be above 0, or every archive would be pruned'));
  }
  out.push(...scheduleRules(data.schedule, (path, message) => problem(y, ['schedule', ...path], message)));
  for (const p of notifyProblems(data.notify)) out.push(problem(y, p.path, p.message));
  for (const p of offsiteProblems(data.offsite)) out.push(problem(y, p.path, p.message));
  return out;
}

/** Rules within one host file: unique source names, dump settings that fit the source, valid checks. */
export function hostRules(y: YamlFile): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const data = isObj(y.data) ? y.data : {};
  const firstLine = new Map<string, number | undefined>();
  const kinds = new Map<string, unknown>();
  items(data.sources).forEach((s, i) => {
    if (!isObj(s)) return;
    if (typeof s.name === 'string') {
      const line = lineOf(y, ['sources', i, 'name']);
      if (firstLine.has(s.name)) {
        const other = firstLine.get(s.name);
        out.push(problem(y, ['sources', i, 'name'], `duplicate source name '${s.name}'${other ? ` (also at line ${other})` : ''}`));
      } else {
        firstLine.set(s.name, line);
        kinds.set(s.name, s.kind);
      }
    }
    const kind = s.kind;
    if (typeof kind === 'string' && SOURCE_KINDS.includes(kind) && kind !== 'database') {
      for (const key of ['dump', 'max_age', 'database', 'pattern', 'pitr']) {
        if (s[key] !== undefined) out.push(problem(y, ['sources', i, key], `only database sources can have '${key}' (this source is kind ${kind})`, true));
      }
    }
    if (isObj(s.dump)) out.push(...sqliteRules(y, s.dump, ['sources', i, 'dump']));
    if (s.pitr !== undefined && isObj(s.dump) && s.dump.engine === 'sqlite') {
      out.push(problem(y, ['sources', i, 'pitr'], 'point-in-time recovery is for PostgreSQL, MariaDB and MySQL servers; this source dumps sqlite', true));
    }
    // The binary logs replay from the nightly dump's position: a MariaDB/MySQL source with pitr: needs its dump by pullback.
    if (s.pitr !== undefined && isObj(s.dump) && (s.dump.engine === 'mariadb' || s.dump.engine === 'mysql') && isObj(s.pitr) && s.pitr.server !== undefined) {
      out.push(problem(y, ['sources', i, 'pitr', 'server'], `'server' describes a PostgreSQL data directory for restore --at --whole-cluster; ${s.dump.engine} sources are restored one database at a time`));
    }
    if (s.pitr !== undefined && isObj(s.dump) && (s.dump.engine === 'mariadb' || s.dump.engine === 'mysql') && isObj(s.pitr) && s.pitr.slot !== undefined) {
      out.push(problem(y, ['sources', i, 'pitr', 'slot'], `'slot' is a PostgreSQL replication slot; ${s.dump.engine} binary logs are read without one`));
    }
    if (s.dump !== undefined && s.pattern !== undefined) {
      out.push(problem(y, ['sources', i, 'pattern'], "'pattern' says which files of a directory the server fills itself are dumps; with 'dump' pullback knows its own dumps"));
    }
    if (s.dump !== undefined && s.database !== undefined) {
      out.push(problem(y, ['sources', i, 'database'], "'database' names the database of dumps the server writes itself; with 'dump' the databases are dump.databases"));
    }
  });
  const restore = isObj(data.restore) ? data.restore : {};
  items(restore.checks).forEach((c, i) => {
    if (!isObj(c)) return;
    const at: KeyPath = ['restore', 'checks', i];
    const present = ['sql', 'http', 'command'].filter((k) => c[k] !== undefined);
    if (present.length !== 1) {
      const has = present.length === 0 ? 'it has none' : `it has ${present.join(' and ')}`;
      out.push(problem(y, at, `a check needs exactly one of sql, http or command (${has})`));
    }
    const sql = c.sql;
    if (isObj(sql) && typeof sql.source === 'string') {
      if (!kinds.has(sql.source)) {
        out.push(problem(y, [...at, 'sql', 'source'], `no source named '${sql.source}' in this host`));
      } else if (kinds.get(sql.source) !== 'database') {
        out.push(problem(y, [...at, 'sql', 'source'], `source '${sql.source}' is not a database source (kind ${kindText(kinds.get(sql.source))})`));
      }
    }
  });
  return out;
}

/** A source's kind as written, or how it looks when it is not text (the schema reports that too). */
function kindText(kind: unknown): string {
  return typeof kind === 'string' ? kind : show(kind);
}

function sqliteRules(y: YamlFile, dump: Obj, at: KeyPath): ConfigProblem[] {
  if (dump.engine !== 'sqlite') return [];
  if (dump.databases === 'all') {
    return [problem(y, [...at, 'databases'], 'sqlite needs the database files listed as absolute paths; "all" is not possible')];
  }
  const out: ConfigProblem[] = [];
  items(dump.databases).forEach((db, j) => {
    if (typeof db === 'string' && !isAbsolute(db)) {
      out.push(problem(y, [...at, 'databases', j], `a sqlite database must be an absolute file path on the main server (got '${db}')`));
    }
  });
  return out;
}

/** Host names must be unique across all host files. */
export function uniqueHostNames(files: YamlFile[]): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const seen = new Map<string, { file: string; line?: number }>();
  for (const y of files) {
    const name = isObj(y.data) ? y.data.name : undefined;
    if (typeof name !== 'string') continue;
    const first = seen.get(name);
    if (first) {
      const where = first.line ? `${first.file} line ${first.line}` : first.file;
      out.push(problem(y, ['name'], `duplicate host name '${name}' (also in ${where})`));
    } else {
      seen.set(name, { file: y.file, line: lineOf(y, ['name']) });
    }
  }
  return out;
}

/**
 * A replication slot streams to one receiver: two PITR sources whose slots are the same on the same
 * PostgreSQL server (the host's address, then the server as the main server reaches it) would take
 * it from each other, and each would see the other's WAL as missing. Across all host files.
 */
export function uniquePitrSlots(files: YamlFile[]): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const seen = new Map<string, { file: string; line?: number; source: string }>();
  for (const y of files) {
    const data = isObj(y.data) ? y.data : {};
    if (typeof data.address !== 'string') continue;
    items(data.sources).forEach((s, i) => {
      if (!isObj(s) || !isObj(s.pitr) || s.kind !== 'database') return;
      if (isObj(s.dump) && s.dump.engine !== 'postgres') return; // binary logs: no slot
      const conn = isObj(s.pitr.connection) ? s.pitr.connection : {};
      const slot = typeof s.pitr.slot === 'string' ? s.pitr.slot : DEFAULTS.pitrSlot;
      const server = `${String(conn.host ?? '127.0.0.1')}:${String(conn.port ?? 5432)}`;
      const key = `${data.address}\0${String(data.port ?? 22)}\0${server}\0${slot}`;
      const at: KeyPath = s.pitr.slot !== undefined ? ['sources', i, 'pitr', 'slot'] : ['sources', i, 'pitr'];
      const first = seen.get(key);
      if (first) {
        const where = first.line ? `${first.file} line ${first.line}` : first.file;
        out.push(problem(y, at, `replication slot '${slot}' of the PostgreSQL server ${server} on ${data.address} is already the slot of source '${first.source}' (${where}): one slot streams to one receiver; give this source pitr.slot with another name`, s.pitr.slot === undefined));
      } else {
        seen.set(key, { file: y.file, line: lineOf(y, at, s.pitr.slot === undefined), source: String(s.name) });
      }
    });
  }
  return out;
}
