// Temp directories for tests, removed after the test file.
import { mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerTempDir } from './cleanup.js';

/** Every directory makeTempDir made in this process, in order (test/harness/both-engines.ts finds each test's catalogs in them). */
export const madeTempDirs: string[] = [];

/** Creates a fresh directory under os.tmpdir(); it is removed after the test file (kept on failure with PULLBACK_KEEP_TMP=1). */
export function makeTempDir(prefix = 'pullback-test-'): string {
  const safe = prefix.replace(/[^A-Za-z0-9_.-]/g, '-');
  const dir = realpathSync(mkdtempSync(join(tmpdir(), safe.endsWith('-') ? safe : `${safe}-`)));
  registerTempDir(dir);
  madeTempDirs.push(dir);
  return dir;
}
