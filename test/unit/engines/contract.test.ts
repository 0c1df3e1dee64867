// Every registered engine keeps the contract the dump, restore and drill code rely on.
import { describe, expect, it } from 'vitest';
import type { DbConnection } from '../../../src/config/types.js';
import { parseHexCounts, parseHexLines } from '../../../src/engines/engine.js';
import { allEngines, getEngine } from '../../../src/engines/registry.js';
import { shellCommand } from '../../../src/tools/ssh/quote.js';

const conn: DbConnection = { host: '127.0.0.1', port: 5432, user: 'u', passwordFile: '/secret/file' };

describe.each(allEngines().map((e) => [e.name, e] as const))('engine %s', (name, engine) => {
  it('is registered under its name', () => {
    expect(getEngine(name)).toBe(engine);
  });

  it('has a dump format with a dotted extension', () => {
    expect(engine.dumpFormat.extension).toMatch(/^\.[a-z]+$/);
    expect(['custom', 'sql', 'sqlite']).toContain(engine.dumpFormat.format);
  });

  /** Every argv the engine builds, for a database of its kind. */
  const everyArgv = (): string[][] => {
    const db = name === 'sqlite' ? '/var/lib/app.db' : 'appdb';
    return [
      engine.versionArgv(conn),
      engine.dumpArgv(conn, db, '/srv/dumps/.x.partial'),
      engine.restoreArgv(conn, name === 'sqlite' ? '/t.db' : 'scratch', '/tmp/x'),
      engine.createDatabaseArgv(conn, db),
      engine.dropDatabaseArgv(conn, db),
      engine.queryArgv(conn, db, "SELECT 'x y'"),
    ];
  };

  it('builds argv that the ssh quoting accepts and that write the dump through an option, not a redirect', () => {
    for (const argv of everyArgv()) {
      expect(argv.length).toBeGreaterThan(0);
      expect(() => shellCommand(argv)).not.toThrow();
      expect(argv).not.toContain('>');
      expect(argv).not.toContain('|');
    }
    expect(everyArgv()[1]!.join(' ')).toContain('/srv/dumps/.x.partial');
  });

  it('never puts a password option or password variable on any argv', () => {
    // -p<secret> / --password[=...] (the MariaDB and PostgreSQL clients), or the variables they read.
    const passwordLike = /^(-p\S|--password|PGPASSWORD=|MYSQL_PWD=)/i;
    for (const argv of everyArgv()) expect(argv.filter((a) => passwordLike.test(a)), argv.join(' ')).toEqual([]);
  });

  // SQLite has no password: a file is opened by path, so there is no password file to pass.
  it.skipIf(name === 'sqlite')('passes the password file to every client call that connects', () => {
    for (const argv of everyArgv().slice(1)) expect(argv.join(' '), argv.join(' ')).toContain('/secret/file');
  });
});

describe('hex-encoded output parsing', () => {
  it('decodes names with tabs and newlines', () => {
    const hex = (s: string) => Buffer.from(s).toString('hex').toUpperCase();
    expect(parseHexCounts(`${hex('a\tb')}\t3\n${hex('c\nd')}\t0\n`)).toEqual({ 'a\tb': 3, 'c\nd': 0 });
    expect(parseHexLines(`${hex('x y')}\n\n${hex('é')}\n`)).toEqual(['x y', 'é']);
    expect(() => parseHexCounts('zz\t1')).toThrow(/unexpected/);
  });
});
