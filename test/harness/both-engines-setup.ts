// Loaded before every file of the vitest project "catalog" (vitest.config.ts): after each test, each
// SQLite catalog the test made is pushed into PostgreSQL and compared (test/harness/both-engines.ts);
// a difference fails the test. The file's PostgreSQL database is dropped after its tests.
import { afterAll, afterEach, beforeEach, expect } from 'vitest';
import { catalogFilesIn, compareOnPostgres, dropBothEnginesDatabase } from './both-engines.js';
import { madeTempDirs } from './tmp.js';

let mark = 0;

beforeEach(() => {
  mark = madeTempDirs.length;
});

afterEach(async () => {
  const files = catalogFilesIn(madeTempDirs.slice(mark));
  const diffs: string[] = [];
  for (const f of files) for (const d of await compareOnPostgres(f)) diffs.push(`${f}: ${d}`);
  expect(diffs, 'the catalog on PostgreSQL (test/harness/both-engines.ts)').toEqual([]);
});

afterAll(async () => {
  await dropBothEnginesDatabase();
});
