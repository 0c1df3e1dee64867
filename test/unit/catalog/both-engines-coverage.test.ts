// A unit test that drives the Catalog class (or opens a catalog database) runs on both engines: it is
// in the vitest project "catalog" (vitest.config.ts CATALOG_TESTS), whose setup file pushes each
// catalog a test made into PostgreSQL and compares it (test/harness/both-engines.ts). A new test
// under test/unit/catalog is in it by its place; one elsewhere must be listed, or this test fails.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOG_TESTS } from '../../../vitest.config.js';
import { REPO_ROOT } from '../../harness/index.js';

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? testFiles(p) : p.endsWith('.test.ts') ? [p] : [];
  });
}

/** Whether `file` (relative to the repository) is one of CATALOG_TESTS: a listed file, or under a listed `DIR/**\/*.test.ts`. */
function inCatalogProject(file: string): boolean {
  return CATALOG_TESTS.some((g) => (g.endsWith('/**/*.test.ts') ? file.startsWith(g.slice(0, -'**/*.test.ts'.length)) : g === file));
}

describe('the catalog tests on both engines', () => {
  it('every unit test that opens a catalog is in the "catalog" project', () => {
    const opening = testFiles(join(REPO_ROOT, 'test', 'unit'))
      .map((f) => relative(REPO_ROOT, f))
      .filter((f) => /Catalog\.open\(|new Catalog\(|openCatalogDb\(/.test(readFileSync(join(REPO_ROOT, f), 'utf8')));
    expect(opening.length).toBeGreaterThan(5);
    expect(opening.filter((f) => !inCatalogProject(f))).toEqual([]);
  });
});
