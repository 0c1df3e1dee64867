// Every pullback command loads the whole CLI; libraries that only one path needs (charts for the
// HTML report, mail, Prometheus text) are imported where they are used, so a nightly run or a
// drill does not pay half a second and tens of MB to load them (nor a backup host without a fleet
// catalog the PostgreSQL client).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../harness/index.js';

// kysely and pg: only a backup host with a fleet catalog (catalog: in its config) loads them.
const LAZY = ['vega', 'vega-lite', 'nodemailer', 'prom-client', 'kysely', 'pg'];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('heavy libraries', () => {
  it('are never imported statically by src/ (only `import type` or a dynamic import())', () => {
    const offenders = sources(join(REPO_ROOT, 'src')).flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .filter((l) => /^import (?!type )/.test(l) && LAZY.some((m) => l.includes(`'${m}'`) || l.includes(`'${m}/`)))
        .map((l) => `${f}: ${l}`),
    );
    expect(offenders).toEqual([]);
  });
});
