// The table a `restore --table` names, matched against the tables the dump holds (its recorded row
// counts: `schema.table` for postgres, the table name for mariadb/mysql), and the name its copy
// gets. Pure.

export interface TableName {
  /** postgres: the schema; undefined for mariadb/mysql. */
  schema?: string;
  table: string;
  /** The key of the dump's row counts (`schema.table` or `table`). */
  key: string;
}

/** The longest identifier each engine takes (bytes, UTF-8). */
const MAX_IDENT_BYTES: Record<'postgres' | 'mariadb', number> = { postgres: 63, mariadb: 64 };

export type Resolved = { ok: true; name: TableName } | { ok: false; problem: string };

/**
 * The table of the dump `arg` names: postgres `SCHEMA.TABLE` or `TABLE` (schema public); mariadb
 * `TABLE` (or `DATABASE.TABLE` of the dumped database). `tables` are the dump's row-count keys.
 */
export function resolveTable(engine: 'postgres' | 'mariadb', arg: string, database: string, tables: readonly string[]): Resolved {
  const known = new Set(tables);
  const candidates = engine === 'postgres' ? (arg.includes('.') ? [arg, `public.${arg}`] : [`public.${arg}`]) : [arg, ...(arg.startsWith(`${database}.`) ? [arg.slice(database.length + 1)] : [])];
  const key = candidates.find((c) => known.has(c));
  if (key === undefined) {
    const near = tables.filter((t) => t.toLowerCase().includes((arg.split('.').pop() ?? arg).toLowerCase()));
    const listed = (near.length ? near : tables).slice(0, 12).map((t) => JSON.stringify(t)).join(', ');
    const more = tables.length > 12 && near.length === 0 ? `, and ${tables.length - 12} more` : '';
    return { ok: false, problem: `the dump of ${database} holds no table ${JSON.stringify(arg)}${tables.length ? ` (${near.length ? 'similar' : 'its tables'}: ${listed}${more})` : ' (it holds no tables)'}` };
  }
  if (engine === 'mariadb') return { ok: true, name: { table: key, key } };
  const dot = key.indexOf('.');
  return { ok: true, name: { schema: key.slice(0, dot), table: key.slice(dot + 1), key } };
}

/**
 * The copy's default name: `<table>_restored_<YYYYMMDD>` of the dump's day (UTC), the table part
 * shortened so the whole fits the engine's identifier limit.
 */
export function defaultCopyName(engine: 'postgres' | 'mariadb', table: string, dumpedAt: Date): string {
  const day = dumpedAt.toISOString().slice(0, 10).replace(/-/g, '');
  const suffix = `_restored_${day}`;
  return `${fitBytes(table, MAX_IDENT_BYTES[engine] - suffix.length)}${suffix}`;
}

/** The name the replaced rows are kept under: `<table>_before_<YYYYMMDDTHHMMSS>`, within the limit. */
export function keptRowsName(engine: 'postgres' | 'mariadb', table: string, now: Date): string {
  const suffix = `_before_${now.toISOString().slice(0, 19).replace(/[-:]/g, '')}`;
  return `${fitBytes(table, MAX_IDENT_BYTES[engine] - suffix.length)}${suffix}`;
}

/** Why `name` cannot be a table name of `engine`, or undefined. */
export function tableNameProblem(engine: 'postgres' | 'mariadb', name: string): string | undefined {
  if (name === '') return 'a table name cannot be empty';
  if (name.includes('\0')) return 'a table name cannot hold a NUL byte';
  if (Buffer.byteLength(name, 'utf8') > MAX_IDENT_BYTES[engine]) return `${JSON.stringify(name)} is longer than ${MAX_IDENT_BYTES[engine]} bytes, the longest name ${engine} keeps`;
  if (engine === 'mariadb' && / $/.test(name)) return 'a mariadb table name cannot end with a space';
  return undefined;
}

/** `s` cut to at most `max` UTF-8 bytes, never inside a character. */
function fitBytes(s: string, max: number): string {
  let out = '';
  for (const ch of s) {
    if (Buffer.byteLength(out + ch, 'utf8') > max) break;
    out += ch;
  }
  return out;
}
