// Opening a new catalog from several processes at once must migrate it exactly once.
import { execa } from 'execa';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir, REPO_ROOT } from '../../harness/index.js';

describe('catalog migrations', () => {
  it('survive eight processes opening a fresh catalog at the same moment', async () => {
    const dir = makeTempDir('catalog-');
    const script = `import { openCatalogDb } from ${JSON.stringify(join(REPO_ROOT, 'dist/catalog/db.js'))};
      const db = openCatalogDb(process.argv[1]); console.log(db.pragma('user_version', { simple: true })); db.close();`;
    const file = join(dir, 'catalog.db');
    const runs = await Promise.all(
      Array.from({ length: 8 }, () => execa('node', ['--input-type=module', '-e', script, file], { reject: false })),
    );
    for (const r of runs) expect(r.exitCode, r.stderr).toBe(0);
    const versions = new Set(runs.map((r) => r.stdout.trim()));
    expect(versions.size).toBe(1);
    expect(Number([...versions][0])).toBeGreaterThanOrEqual(4);
  });
});
