// Shared steps of the drill end-to-end tests: a backed-up server, the CLI's drill with --json, the catalog.
import Database from 'better-sqlite3';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { makeTempDir, runCli, startSshd, writeNastyTree, writeTestConfig, type TestConfig } from '../../harness/index.js';

export interface DrillJson {
  seed: string;
  drills: Array<{
    host: string;
    archive?: string;
    status: string;
    counts: { sampled: number; matches: number; mismatches: number; changed: number; unverified: number };
    unverified_reason: string | null;
    sampled: string[];
    extracted: number;
    bytes_restored: number;
    mismatches: Array<{ path: string; reason: string }>;
    changed: Array<{ path: string; reason: string }>;
    databases: Array<{ path: string; status: string; error?: string; tables: Array<{ table: string; expected: number | null; actual: number | null }>; checks: Array<{ name: string; ok: boolean }> }>;
    warnings: string[];
    error?: string;
  }>;
}

/** `pullback drill ... --json`; returns the exit code and the parsed report. */
export async function drillJson(configPath: string, args: string[]): Promise<{ exitCode: number; report: DrillJson; stderr: string }> {
  const r = await runCli(['--config', configPath, 'drill', ...args, '--json']);
  let report: DrillJson;
  try {
    report = JSON.parse(r.stdout) as DrillJson;
  } catch {
    throw new Error(`drill printed no JSON (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
  }
  return { exitCode: r.exitCode, report, stderr: r.stderr };
}

/** Rows of the drills table, oldest first. */
export function drillRows(stateDir: string): Array<Record<string, unknown>> {
  const db = new Database(join(stateDir, 'catalog.db'), { readonly: true });
  try {
    return db.prepare('SELECT * FROM drills ORDER BY id').all() as Array<Record<string, unknown>>;
  } finally {
    db.close();
  }
}

/** The check history row of kind `kind` for `repository`. */
export function checkRow(stateDir: string, repository: string, kind: string): { status: string } | undefined {
  const db = new Database(join(stateDir, 'catalog.db'), { readonly: true });
  try {
    return db.prepare('SELECT status FROM check_history WHERE repository = ? AND kind = ?').get(repository, kind) as { status: string } | undefined;
  } finally {
    db.close();
  }
}

/** The largest segment file of a borg repository (`<repo>/data/<n>/<segment>`). */
export function largestSegment(repo: string): string {
  let best = { path: '', size: -1 };
  for (const d of readdirSync(join(repo, 'data'))) {
    for (const f of readdirSync(join(repo, 'data', d))) {
      const p = join(repo, 'data', d, f);
      const size = statSync(p).size;
      if (size > best.size) best = { path: p, size };
    }
  }
  return best.path;
}

/** A main server with a nasty blobs tree and 30 small data files, backed up once by `pullback run`; each drill-files test file builds its own (the origin tests change it, the damage test breaks the repository). */
export async function backedUpFiles(): Promise<{ cfg: TestConfig; src: { blobs: string; data: string } }> {
  const server = await startSshd();
  const root = makeTempDir('drill-origin-');
  const src = { blobs: join(root, 'blobs'), data: join(root, 'data') };
  writeNastyTree(src.blobs, { bigFileBytes: 2 * 1024 * 1024 });
  mkdirSync(join(src.data, 'many'), { recursive: true });
  for (let i = 0; i < 30; i++) writeFileSync(join(src.data, 'many', `file-${i}.txt`), `file ${i}\n`.repeat(i + 1));
  const cfg = await writeTestConfig({
    hosts: [{ name: 'main', server, sources: [{ name: 'blobs', kind: 'blobs', path: src.blobs }, { name: 'data', kind: 'data', path: src.data }] }],
    // No nightly borg check: the drills read back what they sample themselves (the damage test runs its own check).
    global: { checks: { repository: 'never', archives: 'never' } },
  });
  const run = await runCli(['--config', cfg.configPath, 'run']);
  expect(run.exitCode, run.stderr + run.stdout).toBe(0);
  return { cfg, src };
}
