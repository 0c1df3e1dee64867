// What `restore --table` hands an engine's table restorer (postgres-table.ts, mariadb-table.ts),
// what it reads of the live database before anything changes, and what comes back.
import type { DbConnection } from '../../config/types.js';

/** `as`: the table restored beside the live one under `name`; `replace`: its rows put in place of the live table's. */
export type TableMode = { kind: 'as'; name: string } | { kind: 'replace'; keep: string; cascade: boolean };

export interface TableJob {
  conn: DbConnection;
  /** The live database. */
  database: string;
  /** postgres: the table's schema; mariadb/mysql: unused (''). */
  schema: string;
  table: string;
  /** The file the restorer loads, on the server: postgres the custom-format dump, mariadb the table's statements. */
  dumpFile: string;
  /** A private folder on the server for the restorer's own files. */
  workDir: string;
  mode: TableMode;
  timeoutMs: number;
  /** postgres: a plain SQL dump (loaded whole into the scratch database by psql) instead of a custom-format one. */
  format?: 'sql';
}

export interface TableFacts {
  /** postgres: the schema exists in the live database (mariadb: always true). */
  schemaExists: boolean;
  tableExists: boolean;
  /** The copy's name (--as) is taken. */
  copyExists: boolean;
  /** The engine's estimate of the live table's rows (for the plan only). */
  estimatedRows?: number;
  /** Other tables' foreign keys that reference the table: `table (constraint)`. */
  referencedBy: string[];
  /** The table's own triggers (not fired by a replace on postgres; fired on mariadb). */
  triggers: string[];
}

export interface TableOutcome {
  /** How it was done, for people. */
  how: string;
  /** The rows the restored table holds now (counted on the server after the restore). */
  rows: number;
  /** The table that now holds the dump's rows. */
  table: string;
  /** Replace: the table keeping the rows it replaced. */
  kept?: string;
  warnings: string[];
}

/** A name the facts queries send hex-encoded (UTF-8, safe through any client's output escaping). */
export const unhex = (h: string): string => Buffer.from(h, 'hex').toString('utf8');

/**
 * TableFacts from the lines of a facts query: `kind<TAB>value`, kinds `schema`, `table`, `copy`,
 * `rows` (a number) and `referenced`/`trigger` (hex-encoded UTF-8 names). `schemaExists` is true
 * without a `schema` line when the engine has no schemas.
 */
export function parseTableFacts(stdout: string, hasSchemas: boolean): TableFacts {
  const facts: TableFacts = { schemaExists: !hasSchemas, tableExists: false, copyExists: false, referencedBy: [], triggers: [] };
  for (const line of stdout.split('\n').filter((l) => l.trim() !== '')) {
    const [kind, value = ''] = line.split('\t');
    if (kind === 'schema') facts.schemaExists = true;
    else if (kind === 'table') facts.tableExists = true;
    else if (kind === 'copy') facts.copyExists = true;
    else if (kind === 'rows') facts.estimatedRows = Number(value);
    else if (kind === 'referenced') facts.referencedBy.push(unhex(value));
    else if (kind === 'trigger') facts.triggers.push(unhex(value));
  }
  return facts;
}
