// A dump is loaded only if it is the file the night recorded: its SHA-256 in the archive manifest
// (taken when it was pulled and verified) is compared with the staged copy the target will load,
// after extraction and before anything changes. A copy that differs (a repository that returns
// other bytes than it stored, a staging folder altered on the backup host) is never loaded.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { DumpRecord } from '../archive/manifest.js';
import type { PlannedStep } from './plan.js';

export interface DigestMismatch {
  /** The dump's archive path (`<source>/<file>`). */
  path: string;
  recorded: string;
  staged: string;
}

/** The SHA-256 (hex) of the file at `path`, read as a stream. Throws when it cannot be read. */
export async function sha256OfFile(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** The dumps a database step loads (the globals dump first). */
export function stepDumps(step: PlannedStep): DumpRecord[] {
  return [...(step.globals ? [step.globals.dump] : []), ...step.databases.map((d) => d.dump)];
}

/** The dumps of `step` staged under `dir` (the source's folder) whose SHA-256 differs from the one recorded at night. A file that cannot be read throws. */
export async function stagedDumpMismatches(step: PlannedStep, dir: string): Promise<DigestMismatch[]> {
  const out: DigestMismatch[] = [];
  for (const d of stepDumps(step)) {
    const staged = await sha256OfFile(join(dir, d.file));
    if (staged !== d.sha256) out.push({ path: `${step.source}/${d.file}`, recorded: d.sha256, staged });
  }
  return out;
}

/** The mismatches in words, each naming its file and both digests. */
export function describeMismatches(ms: readonly DigestMismatch[]): string {
  return ms.map((m) => `${m.path}: SHA-256 of the extracted copy ${m.staged.slice(0, 16)}…, recorded at night ${m.recorded.slice(0, 16)}…`).join('; ');
}
