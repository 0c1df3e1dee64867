// Per-test-file cleanup registry: temp dirs and processes are released after the file's tests.
import { rmSync } from 'node:fs';
import { afterAll } from 'vitest';

type Cleanup = { run: () => Promise<void> | void; keepable?: string };

const cleanups: Cleanup[] = [];
const syncDirs = new Set<string>();
const syncPids = new Set<number>();

/** Registers a cleanup to run after the current test file (last registered runs first). */
export function registerCleanup(run: () => Promise<void> | void): void {
  cleanups.push({ run });
}

/** Registers a temp dir to remove after the test file (or at process exit as a fallback). */
export function registerTempDir(dir: string): void {
  syncDirs.add(dir);
  cleanups.push({ run: () => removeDir(dir), keepable: dir });
}

/** Registers a child pid to SIGKILL at process exit if nothing stopped it before. */
export function registerPid(pid: number): () => void {
  syncPids.add(pid);
  return () => syncPids.delete(pid);
}

function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  syncDirs.delete(dir);
}

interface TaskLike {
  result?: { state?: string };
  tasks?: TaskLike[];
}

function anyFailed(task: TaskLike): boolean {
  if (task.result?.state === 'fail') return true;
  return (task.tasks ?? []).some(anyFailed);
}

/** Runs every registered cleanup; temp dirs are kept when PULLBACK_KEEP_TMP=1 and a test failed. */
export async function runCleanups(failed = false): Promise<void> {
  const keep = failed && process.env.PULLBACK_KEEP_TMP === '1';
  while (cleanups.length > 0) {
    const c = cleanups.pop()!;
    if (keep && c.keepable) {
      syncDirs.delete(c.keepable);
      process.stderr.write(`harness: kept ${c.keepable}\n`);
      continue;
    }
    try {
      await c.run();
    } catch (err) {
      process.stderr.write(`harness: cleanup failed: ${String(err)}\n`);
    }
  }
}

try {
  // vitest 4 wants an object pattern for the (unused) context argument.
  // eslint-disable-next-line no-empty-pattern
  afterAll(async ({}, suite) => runCleanups(anyFailed(suite as unknown as TaskLike)), 60_000);
} catch {
  // Not inside a vitest file (e.g. a script importing the harness): the exit hook below still cleans up.
}

process.on('exit', () => {
  for (const pid of syncPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (process.env.PULLBACK_KEEP_TMP === '1') return;
  for (const dir of syncDirs) rmSync(dir, { recursive: true, force: true });
});
