// Where this pullback is installed: the folder holding its package.json (with dist/ and share/
// beside it), found from the running module upwards. The same answer from the bundled CLI
// (dist/cli/main.js), from tsc's tree (dist/...) and from the sources under test (src/...).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The folder of pullback's own package.json; throws when there is none above this module (a broken install). */
export function installRoot(): string {
  if (root) return root;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'pullback') return (root = dir);
    if (dirname(dir) === dir) throw new Error(`pullback's package.json was not found above ${fileURLToPath(import.meta.url)}`);
  }
}

/** The version in pullback's own package.json (what `pullback --version` prints); throws like installRoot. */
export function installedVersion(): string {
  return (JSON.parse(readFileSync(join(installRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
