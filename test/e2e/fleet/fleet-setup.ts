// Shared by the fleet tests: a unique PostgreSQL database as the fleet catalog, a backup host (a
// state directory and config) with harness main servers, and counts on both sides.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPgDatabase, makeTempDir, psql, queryCatalog, writeTestConfig, type TestConfig } from '../../harness/index.js';
import type { startSshd } from '../../harness/index.js';

type Server = Awaited<ReturnType<typeof startSshd>>;

/** A fresh fleet catalog: its database name and URL (the machine's PostgreSQL, trust authentication). */
export async function fleetCatalog(): Promise<{ db: string; url: string }> {
  const db = await createPgDatabase('pbfleet');
  return { db, url: `postgres://postgres@127.0.0.1:5432/${db}` };
}

/** A main server's files: one data source with a few files. */
export function mainServerFiles(name: string): string {
  const root = makeTempDir(`${name}-`);
  mkdirSync(join(root, 'data', 'sub'), { recursive: true });
  writeFileSync(join(root, 'data', 'a.txt'), `${name} a\n`);
  writeFileSync(join(root, 'data', 'sub', 'b.txt'), `${name} b\n`);
  return join(root, 'data');
}

/** A backup host named `backupHost` backing up `hosts` (each a harness sshd), its catalog at `url` (none: SQLite alone). */
export async function backupHostConfig(backupHost: string, url: string | undefined, hosts: Array<{ name: string; server: Server; home?: string }>): Promise<TestConfig> {
  return writeTestConfig({
    hosts: hosts.map((h) => ({
      name: h.name,
      server: h.server,
      sources: [{ name: 'data', kind: 'data', path: mainServerFiles(h.name) }],
      ...(h.home ? { override: { backup_host: h.home } } : {}),
    })),
    global: { backup_host: backupHost, ...(url ? { catalog: { url } } : {}) },
  });
}

/** Every table of the local catalog with its row count. */
export function localCounts(stateDir: string): Record<string, number> {
  const tables = queryCatalog<{ name: string }>(stateDir, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
  return Object.fromEntries(tables.map((t) => [t.name, queryCatalog<{ n: number }>(stateDir, `SELECT count(*) AS n FROM "${t.name}"`)[0]!.n]));
}

/** The same tables' row counts in the fleet catalog for `backupHost` (-1: no such table there). */
export async function pgCounts(db: string, backupHost: string, tables: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of tables) {
    const exists = (await psql(db, `SELECT to_regclass('"${t}"') IS NOT NULL;`)).trim() === 't';
    out[t] = exists ? Number((await psql(db, `SELECT count(*) FROM "${t}" WHERE backup_host = '${backupHost}';`)).trim()) : -1;
  }
  return out;
}
