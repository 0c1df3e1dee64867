// The explicit registry of database replacers (replace.ts): the engine's name selects one here.
import type { DumpEngine } from '../../config/types.js';
import { mariadbEngine, mysqlEngine } from '../../engines/mariadb.js';
import { InternalError } from '../../errors.js';
import { mariadbReplacer } from './mariadb-replace.js';
import { replacePostgresDatabase } from './postgres-swap.js';
import type { DatabaseReplacer } from './replace.js';
import { replaceSqliteFile } from './sqlite-replace.js';

const REPLACERS: Record<DumpEngine, DatabaseReplacer> = {
  postgres: replacePostgresDatabase,
  mariadb: mariadbReplacer(mariadbEngine),
  mysql: mariadbReplacer(mysqlEngine),
  sqlite: replaceSqliteFile,
};

/** The replacer of engine `name`; throws InternalError for a name the schema should have refused. */
export function replacerOf(name: DumpEngine | string): DatabaseReplacer {
  const replacer = (REPLACERS as Record<string, DatabaseReplacer | undefined>)[name];
  if (!replacer) throw new InternalError(`no database replacer for the engine ${JSON.stringify(name)}`);
  return replacer;
}
