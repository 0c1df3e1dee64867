// The database-level SQL of a dump, rewritten onto the fresh database's name; the swap script.
import { describe, expect, it } from 'vitest';
import { databasePropertiesArgv, maintenanceDb } from '../../../../src/engines/postgres-argv.js';
import { databaseLevelSql, pullbackTag, swapOutcome, swapSql, workNames } from '../../../../src/restore/databases/postgres-swap.js';

// What pg_restore --create --schema-only --table=<none> prints for a dump of "exp Db" (PostgreSQL 15).
const PROPS = `--
-- PostgreSQL database dump
--

\\restrict Q1YzEeebhMaVggc7z1IJIjq

SET statement_timeout = 0;
SELECT pg_catalog.set_config('search_path', '', false);

--
-- Name: exp Db; Type: DATABASE; Schema: -; Owner: bob
--

CREATE DATABASE "exp Db" WITH TEMPLATE = template0 ENCODING = 'UTF8' LOCALE_PROVIDER = libc LOCALE = 'C.UTF-8';


ALTER DATABASE "exp Db" OWNER TO bob;

\\unrestrict Q1YzEeebhMaVggc7z1IJIjq
\\encoding SQL_ASCII
\\connect -reuse-previous=on "dbname='exp Db'"
SET client_encoding = 'UTF8';

COMMENT ON DATABASE "exp Db" IS 'multi
line; with a ''quote'';
end';

ALTER DATABASE "exp Db" SET work_mem TO '7MB';
ALTER ROLE bob IN DATABASE "exp Db" SET search_path TO 'x';
REVOKE CONNECT,TEMPORARY ON DATABASE "exp Db" FROM PUBLIC;
GRANT CONNECT,TEMPORARY ON DATABASE "exp Db" TO carol;
`;

describe('postgres database-level SQL', () => {
  it('rewrites every statement onto the fresh database, session lines and meta-commands dropped', () => {
    expect(databaseLevelSql(PROPS, 'pullback_new_1a2b')).toBe(
      [
        `CREATE DATABASE "pullback_new_1a2b" WITH TEMPLATE = template0 ENCODING = 'UTF8' LOCALE_PROVIDER = libc LOCALE = 'C.UTF-8';`,
        'ALTER DATABASE "pullback_new_1a2b" OWNER TO bob;',
        `COMMENT ON DATABASE "pullback_new_1a2b" IS 'multi\nline; with a ''quote'';\nend';`,
        `ALTER DATABASE "pullback_new_1a2b" SET work_mem TO '7MB';`,
        `ALTER ROLE bob IN DATABASE "pullback_new_1a2b" SET search_path TO 'x';`,
        'REVOKE CONNECT,TEMPORARY ON DATABASE "pullback_new_1a2b" FROM PUBLIC;',
        'GRANT CONNECT,TEMPORARY ON DATABASE "pullback_new_1a2b" TO carol;',
        '',
      ].join('\n'),
    );
  });

  it('handles an unquoted name and refuses what it does not know', () => {
    const plain = 'CREATE DATABASE app WITH TEMPLATE = template0 ENCODING = \'UTF8\';\nALTER DATABASE app OWNER TO app;\n';
    expect(databaseLevelSql(plain, 'n')).toBe('CREATE DATABASE "n" WITH TEMPLATE = template0 ENCODING = \'UTF8\';\nALTER DATABASE "n" OWNER TO app;\n');
    expect(() => databaseLevelSql(`${plain}DROP TABLE users;\n`, 'n')).toThrow(/unexpected statement/);
    expect(() => databaseLevelSql('ALTER DATABASE app OWNER TO x;\n', 'n')).toThrow(/CREATE DATABASE/);
    expect(() => databaseLevelSql(`${plain}ALTER DATABASE other OWNER TO x;\n`, 'n')).toThrow(/does not name/);
    expect(() => databaseLevelSql("CREATE DATABASE app WITH TEMPLATE = 'x\n", 'n')).toThrow(/unterminated/);
  });

  it('swaps in one transaction, ending the sessions of the live database first', () => {
    expect(swapSql("it's", 'pullback_new_1', 'pullback_old_1')).toBe(
      [
        'BEGIN;',
        "SELECT CASE WHEN pg_terminate_backend(pid) THEN encode(convert_to(format('pid %s, user %s, application %s, from %s', pid, coalesce(usename, '-'), coalesce(nullif(application_name, ''), '-'), coalesce(host(client_addr), 'local socket')), 'UTF8'), 'hex') END FROM pg_stat_activity WHERE datname = 'it''s' AND pid <> pg_backend_pid();",
        'ALTER DATABASE "it\'s" RENAME TO "pullback_old_1";',
        'ALTER DATABASE "pullback_new_1" RENAME TO "it\'s";',
        'COMMIT;',
        '',
      ].join('\n'),
    );
    expect(swapSql('app', 'n', undefined)).toBe('BEGIN;\nALTER DATABASE "n" RENAME TO "app";\nCOMMIT;\n');
    expect(maintenanceDb('postgres')).toBe('template1');
    const long = 'x'.repeat(63);
    expect(workNames(long, 'abcd1234')).toEqual({ fresh: `pullback_new_${pullbackTag(long)}_abcd1234`, old: `pullback_old_${pullbackTag(long)}_abcd1234` });
    expect(workNames(long, 'abcd1234').fresh.length).toBeLessThanOrEqual(63);
    expect(pullbackTag('app')).not.toBe(pullbackTag('app2'));
    expect(databasePropertiesArgv({ host: 'h', port: 1, user: 'u', passwordFile: '/p' }, '/d.pgdump')).toEqual([
      'env', 'PGPASSFILE=/p', 'pg_restore', '--create', '--schema-only', '--table=pullback-no-such-table-3f1c0a', '--file=-', '/d.pgdump',
    ]);
  });

  it('a failed swap is untouched only when proven: the fresh database still under its own name and no swap holding a lock', () => {
    const fresh = { oid: '500' };
    expect(swapOutcome({ liveOid: '400', freshOid: '500', locked: false }, fresh)).toBe('not swapped');
    expect(swapOutcome({ liveOid: '500', locked: false }, fresh)).toBe('swapped');
    // A COMMIT still in flight (the rename's lock held): nothing can be told yet.
    expect(swapOutcome({ liveOid: '400', freshOid: '500', locked: true }, fresh)).toBe('unknown');
    // Neither name carries the fresh database (renamed by hand, dropped): not proven either way.
    expect(swapOutcome({ liveOid: '400', locked: false }, fresh)).toBe('unknown');
    expect(swapOutcome({ locked: false }, fresh)).toBe('unknown');
  });
});
