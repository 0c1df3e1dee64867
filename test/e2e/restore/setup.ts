// Shared set-up of the restore end-to-end tests: a main server (real sshd) with blobs and data
// (and optionally a PostgreSQL database dumped by pullback), backed up once with `pullback run`.
import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { expect } from 'vitest';
import { makeTempDir, runCli, startSshd, writeNastyTree, writeTestConfig, type SshdServer, type TestConfig, type TestHost, type TestSource } from '../../harness/index.js';

export interface HostTrees {
  root: string;
  blobs: string;
  data: string;
  dumps: string;
}

/** Source folders of a (main or spare) server under a fresh temp dir; filled when `fill`. */
export function makeTrees(prefix: string, fill: boolean): HostTrees {
  const root = makeTempDir(prefix);
  const t = { root, blobs: join(root, 'blobs'), data: join(root, 'data dir'), dumps: join(root, 'dumps') };
  if (fill) {
    writeNastyTree(t.blobs, { bigFileBytes: 200_000 });
    writeNastyTree(t.data, { bigFileBytes: 50_000 });
    mkdirSync(t.dumps, { recursive: true });
  }
  return t;
}

/** The sources of a host with these trees (a postgres database source when `db` names one). */
export function sources(t: HostTrees, db?: string): TestSource[] {
  const out: TestSource[] = [
    { name: 'blobs', kind: 'blobs', path: t.blobs },
    { name: 'data', kind: 'data', path: t.data },
  ];
  if (db) out.unshift({ name: 'db', kind: 'database', path: t.dumps, dump: { engine: 'postgres', databases: [db], connection: { host: '127.0.0.1', port: 5432, user: 'postgres' }, keep: 2 } });
  return out;
}

export interface World {
  server: SshdServer;
  cfg: TestConfig;
  main: HostTrees;
  cli(...args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }>;
}

/** No nightly borg check: these worlds are for restores, which read back what they restore themselves. */
export const RESTORE_WORLD_CHECKS = { checks: { repository: 'never', archives: 'never' } };

/** Writes the config for `hosts` (the first is backed up) and runs `pullback run` once for it. */
export async function backedUp(main: HostTrees, hosts: TestHost[], server: SshdServer): Promise<World> {
  const cfg = await writeTestConfig({ hosts, global: RESTORE_WORLD_CHECKS });
  const cli = (...args: string[]) => runCli(['--config', cfg.configPath, ...args]);
  const r = await cli('run', '--host', hosts[0]!.name);
  expect(r.exitCode, r.stderr + r.stdout).toBe(0);
  return { server, cfg, main, cli };
}

/** Starts a server for a test file. */
export const startServer = () => startSshd();

/** Changes keys of a host file (deep `restore:` etc. replaced at the top level). */
export function patchHostFile(cfg: TestConfig, host: string, patch: Record<string, unknown>): void {
  const file = cfg.hostFile(host);
  const doc = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, stringify({ ...doc, ...patch }));
}

export interface StepRow {
  restore_id: number;
  ord: number;
  kind: string;
  source: string | null;
  status: string;
  started_at: string | null;
}

/** The restores and their steps as recorded in the catalog. */
export function catalogRestores(cfg: TestConfig): { restores: Array<Record<string, unknown>>; steps: StepRow[] } {
  const db = new Database(join(cfg.stateDir, 'catalog.db'), { readonly: true });
  try {
    return {
      restores: db.prepare('SELECT * FROM restores ORDER BY id').all() as Array<Record<string, unknown>>,
      steps: db.prepare('SELECT restore_id, ord, kind, source, status, started_at FROM restore_steps ORDER BY restore_id, ord').all() as StepRow[],
    };
  } finally {
    db.close();
  }
}

/** The JSON details a step of a restore recorded in the catalog (undefined when none). */
export function stepDetails(cfg: TestConfig, restoreId: number, kind: string): unknown {
  const db = new Database(join(cfg.stateDir, 'catalog.db'), { readonly: true });
  try {
    const row = db.prepare('SELECT details FROM restore_steps WHERE restore_id = ? AND kind = ?').get(restoreId, kind) as { details: string | null } | undefined;
    return row?.details ? JSON.parse(row.details) : undefined;
  } finally {
    db.close();
  }
}
