// The explicit registry of database engines: the config's `engine:` value selects one here.
import type { DumpEngine } from '../config/types.js';
import { InternalError } from '../errors.js';
import type { DatabaseEngine } from './engine.js';
import { mariadbEngine, mysqlEngine } from './mariadb.js';
import { postgresEngine } from './postgres.js';
import { sqliteEngine } from './sqlite.js';

const ENGINES: Record<DumpEngine, DatabaseEngine> = {
  postgres: postgresEngine,
  mariadb: mariadbEngine,
  mysql: mysqlEngine,
  sqlite: sqliteEngine,
};

/** The engine registered under `name`; throws InternalError for a name the schema should have refused. */
export function getEngine(name: DumpEngine | string): DatabaseEngine {
  const engine = (ENGINES as Record<string, DatabaseEngine | undefined>)[name];
  if (!engine) throw new InternalError(`no database engine named ${JSON.stringify(name)}`);
  return engine;
}

/** Every registered engine (for contract tests and docs). */
export function allEngines(): DatabaseEngine[] {
  return Object.values(ENGINES);
}
