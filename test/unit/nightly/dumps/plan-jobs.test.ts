// Which dumps a source asks for: listed databases, every database for `all` (plus postgres globals), clashing names refused.
import { describe, expect, it } from 'vitest';
import { planDumpJobs } from '../../../../src/nightly/dumps/take.js';
import type { DumpConfig } from '../../../../src/config/types.js';
import type { EngineRunner } from '../../../../src/engines/engine.js';
import { getEngine } from '../../../../src/engines/registry.js';

/** A runner that answers the database list query with `names` (hex, as the engines ask for). */
function listing(names: string[]): EngineRunner & { asked: string[][] } {
  const asked: string[][] = [];
  return {
    asked,
    async run(argv) {
      asked.push([...argv]);
      return names.map((n) => Buffer.from(n).toString('hex')).join('\n');
    },
  };
}

const conn = { host: '127.0.0.1', port: 5432, user: 'postgres' };
const cfg = (engine: DumpConfig['engine'], databases: DumpConfig['databases']): DumpConfig => ({ engine, databases, connection: conn, keep: 3 });

describe('planDumpJobs', () => {
  it('takes the listed databases without asking the server', async () => {
    const run = listing([]);
    const { jobs, notPlain } = await planDumpJobs(getEngine('postgres'), cfg('postgres', ['app', 'a/b']), run);
    expect(jobs).toEqual([
      { database: 'app', stem: 'app', extension: '.pgdump', format: 'custom' },
      { database: 'a/b', stem: 'a%2Fb', extension: '.pgdump', format: 'custom' },
    ]);
    expect(notPlain).toEqual([]); // a name in the host file is written into the dump key's template as it is
    expect(run.asked).toEqual([]);
  });

  it('dumps every database and the postgres globals for all', async () => {
    const run = listing(['postgres', 'app']);
    const { jobs } = await planDumpJobs(getEngine('postgres'), cfg('postgres', 'all'), run);
    expect(jobs.map((j) => [j.database, j.stem, j.format])).toEqual([
      [undefined, '@globals', 'globals'],
      ['postgres', 'postgres', 'custom'],
      ['app', 'app', 'custom'],
    ]);
    expect(run.asked).toHaveLength(1);
    const maria = await planDumpJobs(getEngine('mariadb'), cfg('mariadb', 'all'), listing(['shop']));
    expect(maria.jobs.map((j) => j.database)).toEqual(['shop']); // no globals for mariadb
  });

  it('for all, leaves out (and names) the databases whose names the dump key would refuse', async () => {
    const hostile = ['host=evil.example dbname=secrets', 'postgresql://evil/x', '-oops', 'two words', 'x'.repeat(65), '.hidden', "it's"];
    const { jobs, notPlain } = await planDumpJobs(getEngine('postgres'), cfg('postgres', 'all'), listing(['app', 'app-2.x$1', ...hostile]));
    expect(jobs.map((j) => j.database)).toEqual([undefined, 'app', 'app-2.x$1']);
    expect(notPlain).toEqual(hostile);
    // Nothing plain at all is a source with a gap, not "no databases".
    expect((await planDumpJobs(getEngine('mariadb'), cfg('mariadb', 'all'), listing(['a b']))).notPlain).toEqual(['a b']);
  });

  it('refuses two sqlite files that would share a dump name', async () => {
    await expect(planDumpJobs(getEngine('sqlite'), cfg('sqlite', ['/a/app.db', '/b/app.sqlite']), listing([]))).rejects.toThrow(
      /\/a\/app\.db, \/b\/app\.sqlite would share the dump name app-\*/,
    );
  });
});

describe('planDumpJobs with nothing to dump', () => {
  it('fails rather than archive an empty dump directory', async () => {
    await expect(planDumpJobs(getEngine('mariadb'), cfg('mariadb', 'all'), listing([]))).rejects.toThrow(/no databases to dump: the mariadb user postgres sees none/);
  });
});
