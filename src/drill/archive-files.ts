// Reading a drill's sample out of an archive: the candidate listing (metadata only, cheap), borg's
// content hash of just the sampled paths, and their extraction. A damaged chunk makes borg stop the
// whole command, so a batch that fails with an integrity error is split in halves until the
// damaged files are named; any other borg failure is thrown as is.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseManifest, type Manifest } from '../archive/manifest.js';
import { ToolError } from '../errors.js';
import { extractArchive } from '../tools/borg/extract.js';
import { listItemPaths, listItems, type ItemPath } from '../tools/borg/list-items.js';
import type { BorgContext } from '../tools/borg/run.js';

/** argv budget per borg call (paths are passed as arguments). */
const BATCH_CHARS = 64 * 1024;
const BATCH_PATHS = 500;

const INTEGRITY = /integrity error|IntegrityError|checksum mismatch|Decompression|Segment .*(missing|not found)|Invalid segment|ObjectNotFound|does not exist in the repository/i;

/** What a borg failure says is damaged ("Data integrity error: ... [segment 6, offset 8]"), or its message. */
export function damageDescription(e: unknown): string {
  if (e instanceof ToolError) {
    for (const l of [...e.details.stderrTail].reverse()) {
      const m = /(Data integrity error:.*|Segment entry checksum mismatch.*|Decompression.*|Object with key .* not found.*)$/i.exec(l);
      if (m && !/\.format\(|^\s/.test(l)) return m[1]!.trim();
    }
    const line = e.details.stderrTail.find((l) => INTEGRITY.test(l) && !/^\s/.test(l));
    return line?.trim() ?? e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

/** A borg failure for people: with the damage borg reported (its last stderr line is often traceback noise). */
export function describeBorgFailure(e: unknown): string {
  if (!isDamage(e)) return e instanceof Error ? e.message : String(e);
  return `the repository is damaged: ${damageDescription(e)} (${(e as Error).message.replace(/: exited .*$/, ': failed')})`;
}

function isDamage(e: unknown): boolean {
  return e instanceof ToolError && e.details.stderrTail.some((l) => INTEGRITY.test(l));
}

/** Splits paths into batches small enough for one argv. */
export function batches(paths: readonly string[]): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  let chars = 0;
  for (const p of paths) {
    if (cur.length > 0 && (chars + p.length + 1 > BATCH_CHARS || cur.length >= BATCH_PATHS)) {
      out.push(cur);
      cur = [];
      chars = 0;
    }
    cur.push(p);
    chars += p.length + 1;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/** Runs `fn` on `paths` in batches; a batch failing with damage is bisected; returns path -> damage. */
async function bisecting(paths: readonly string[], fn: (batch: string[]) => Promise<void>): Promise<Map<string, string>> {
  const damaged = new Map<string, string>();
  const attempt = async (batch: string[]): Promise<void> => {
    try {
      await fn(batch);
    } catch (e) {
      if (!isDamage(e)) throw e;
      if (batch.length === 1) {
        damaged.set(batch[0]!, damageDescription(e));
        return;
      }
      const mid = Math.ceil(batch.length / 2);
      await attempt(batch.slice(0, mid));
      await attempt(batch.slice(mid));
    }
  };
  for (const b of batches(paths)) await attempt(b);
  return damaged;
}

/** Every item of the archive, type, mode and path only (reads only the archive's metadata). */
export async function listArchiveItems(borg: BorgContext, repo: string, archive: string, onItem: (i: ItemPath) => void): Promise<void> {
  await listItemPaths(borg, repo, archive, onItem);
}

export interface HashListing {
  /** path -> borg's SHA-256 of the file's content. */
  sha256: Map<string, string>;
  /** path -> the file's mtime as borg recorded it (ISO local time), for the files hashed. */
  mtime: Map<string, string>;
  /** path -> the file's size as borg recorded it, for the files hashed. */
  size: Map<string, number>;
  /** path -> why borg could not read the file's chunks. */
  damaged: Map<string, string>;
}

/** borg's content hash of each of `paths` (borg reads their chunks, checking them on the way). */
export async function borgHashes(borg: BorgContext, repo: string, archive: string, paths: readonly string[]): Promise<HashListing> {
  const sha256 = new Map<string, string>();
  const mtime = new Map<string, string>();
  const size = new Map<string, number>();
  const damaged = await bisecting(paths, (batch) =>
    listItems(borg, repo, archive, (i) => {
      if (i.type === '-' && i.sha256) {
        sha256.set(i.path, i.sha256);
        mtime.set(i.path, i.mtime);
        size.set(i.path, i.size);
      }
    }, { withHash: true, paths: { exact: batch } }),
  );
  return { sha256, mtime, size, damaged };
}

/** Extracts exactly `paths` into `dest`; returns path -> damage for those borg could not restore. */
export async function extractPaths(borg: BorgContext, repo: string, archive: string, dest: string, paths: readonly string[]): Promise<Map<string, string>> {
  return bisecting(paths, (batch) => extractArchive(borg, repo, archive, dest, { exact: batch }));
}

/** Extracts exactly `paths` into `dest` without bisecting: false at the first batch that meets damage (any other failure is thrown). */
export async function tryExtractPaths(borg: BorgContext, repo: string, archive: string, dest: string, paths: readonly string[]): Promise<boolean> {
  for (const b of batches(paths)) {
    try {
      await extractArchive(borg, repo, archive, dest, { exact: b });
    } catch (e) {
      if (isDamage(e)) return false;
      throw e;
    }
  }
  return true;
}

/** Reads `.pullback/manifest.json` of the archive (extracted into `dest`), or undefined when it has none; throws JobError when it is not a manifest this pullback reads. */
export async function readArchiveManifest(borg: BorgContext, repo: string, archive: string, dest: string, manifestPath: string): Promise<Manifest | undefined> {
  await extractArchive(borg, repo, archive, dest, { exact: [manifestPath] });
  return readManifestFile(dest, manifestPath, `archive ${archive}`);
}

/**
 * The manifest at `manifestPath` under `dest` (already extracted there, or the mirror's), or
 * undefined when there is none; `where` names it in errors. Throws JobError when it is not a manifest this pullback reads.
 */
export function readManifestFile(dest: string, manifestPath: string, where: string): Manifest | undefined {
  const file = join(dest, manifestPath);
  if (!existsSync(file)) return undefined;
  return parseManifest(readFileSync(file, 'utf8'), where);
}

