// Replacing a MariaDB/MySQL database by its dump. There is no RENAME DATABASE, and tables with
// triggers cannot move between databases: the database is dropped and re-created (empty, with the
// character set and collation recorded with the dump, else its own), then the dump is applied.
// What the dump lacks cannot survive; a failure after the drop is "changed".
import type { DatabaseProperties } from '../../engines/engine.js';
import { CHARSET, COLLATION, myIdent, type MariadbEngine } from '../../engines/mariadb.js';
import { describeError } from '../../errors.js';
import { ReplaceError, type DatabaseReplacer } from './replace.js';

/** The replacer of a MariaDB/MySQL engine (see the file comment); throws ReplaceError. */
export function mariadbReplacer(engine: MariadbEngine): DatabaseReplacer {
  return async (run, conn, database, dumpFile, opts) => {
    const label = `${database} on ${conn.host}:${conn.port}`;
    const ask = (sql: string) => run.run(engine.serverQueryArgv(conn, sql), { reason: `cannot read the properties of ${label}` });
    const target = await createProperties(ask, database, opts.recorded).catch((e: unknown) => {
      throw new ReplaceError(describeError(e), false);
    });
    try {
      await run.run(engine.dropDatabaseArgv(conn, database), { reason: `cannot drop ${label}` });
    } catch (e) {
      // DROP DATABASE removes table after table, not atomically: a failure may have removed some.
      throw new ReplaceError(`${describeError(e)} (${database} is possibly changed: the DROP may have removed some of its tables; check SHOW TABLES in ${database} against the safety snapshot)`, 'possibly');
    }
    const props = target.charset ? ` CHARACTER SET ${target.charset} COLLATE ${target.collation}` : '';
    try {
      await run.run(engine.serverQueryArgv(conn, `CREATE DATABASE ${myIdent(database)}${props}`), { reason: `cannot re-create ${label}` });
      const restore = engine.restoreArgv(conn, database, dumpFile);
      await run.run(restore, { reason: `${restore[0]} restore failed`, timeoutMs: opts.timeoutMs });
    } catch (e) {
      throw new ReplaceError(`${describeError(e)} (${database} was dropped and re-created: it holds only part of the dump)`, true);
    }
    return {
      how: `dropped, re-created${props ? ` (${target.charset}, ${target.collation}${target.from})` : ''} and restored from the dump`,
      warnings: target.warning ? [target.warning] : [],
      ...(opts.recorded ? { expected: { properties: opts.recorded, from: 'as dumped' } } : {}),
    };
  };
}

interface CreateProperties {
  charset?: string;
  collation?: string;
  /** Where they come from, for the outcome (e.g. ` as dumped`). */
  from: string;
  warning?: string;
}

const word = (v: string | undefined): v is string => v !== undefined && /^\w+$/.test(v);

/**
 * The character set and collation to re-create a database with: those recorded with the dump when
 * the server knows them, else the existing database's (dumps taken before they were recorded), else
 * the server's defaults. `ask` runs a query on the server (no database selected); read before
 * anything changes; throws ToolError.
 */
async function createProperties(ask: (sql: string) => Promise<string>, database: string, recorded: DatabaseProperties | undefined): Promise<CreateProperties> {
  const want = { charset: recorded?.[CHARSET], collation: recorded?.[COLLATION] };
  if (word(want.charset) && word(want.collation)) {
    const known = await ask(`SELECT COUNT(*) FROM information_schema.COLLATIONS WHERE CHARACTER_SET_NAME = '${want.charset}' AND COLLATION_NAME = '${want.collation}'`);
    if (known.trim() !== '0') return { ...want, from: ', as dumped' };
  }
  const hex = Buffer.from(database, 'utf8').toString('hex').toUpperCase();
  const [charset, collation] = (await ask(`SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE HEX(SCHEMA_NAME) = '${hex}'`)).trim().split('\t');
  const kept = word(charset) && word(collation) ? { charset, collation } : {};
  if (want.charset || want.collation) {
    const instead = kept.charset ? `the existing database's ${kept.charset}, ${kept.collation}` : "the server's defaults";
    return { ...kept, from: kept.charset ? ', kept from the existing database' : '', warning: `the server does not know the dump's character set ${want.charset} with collation ${want.collation}: re-created with ${instead}` };
  }
  return { ...kept, from: kept.charset ? ', kept from the existing database: the dump recorded none' : '' };
}
