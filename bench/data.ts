// Reproducible bench data: the same seed gives the same bytes on every machine. Per main server:
// many small compressible text files, incompressible blobs, a large SQL-text dump; and one-source
// trees of N small files for the per-file figures.
import { createCipheriv, createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type Scale = 'small' | 'full';

export interface Sizes {
  /** Text files per host (figures 1, 2, 4). */
  textFiles: number;
  blobMiB: number;
  dumpMiB: number;
  /** Files of the large source (figures 3 and 5). */
  manyFiles: number;
  /** Files of the small drill host (figure 5): a hundredth of manyFiles, as 3,000 is of 300,000. */
  fewFiles: number;
  /** Files per source of figure 6. */
  scaling: number[];
  /** Hosts of figure 6's full backups. */
  hostCounts: number[];
  /** Archives of the large source that figure 7 searches (`pullback find`). */
  findArchives: number;
  reps: number;
}

// Repetitions per figure (BENCH_REPS overrides). Small scale takes 5: its figures last 2-10 s, where
// a second process's burst moves one repetition by 10-20% (figure 3 at 30,000 files read 1.14-1.25 in
// medians of 3 for the same code); the median of 5 costs about two minutes more. Full scale: 3.
const reps = (scale: 'small' | 'full') => (process.env.BENCH_REPS ? Number(process.env.BENCH_REPS) : scale === 'small' ? 5 : 3);

export const SIZES: Record<Scale, Sizes> = {
  // small: the same shapes at a tenth or so, to finish in under 15 minutes on 2 cores.
  small: { textFiles: 1000, blobMiB: 8, dumpMiB: 2, manyFiles: 30_000, fewFiles: 300, scaling: [3_000, 30_000], hostCounts: [1, 2, 4], findArchives: 10, reps: reps('small') },
  full: { textFiles: 3000, blobMiB: 36, dumpMiB: 10, manyFiles: 300_000, fewFiles: 3000, scaling: [10_000, 100_000, 1_000_000], hostCounts: [1, 2, 4], findArchives: 30, reps: reps('full') },
};

/** A deterministic byte stream (AES-CTR of zeros under a key derived from `seed`): incompressible and reproducible. */
export function pseudoRandom(seed: string, bytes: number): Buffer {
  const key = createHash('sha256').update(seed).digest();
  const c = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return Buffer.concat([c.update(Buffer.alloc(bytes)), c.final()]);
}

const WORDS = 'subject session trial response mouse rat stimulus left right reward lick neuron spike unit probe channel depth frame camera pupil whisker'.split(' ');

/** Text like a lab's CSV/notes (zstd shrinks it about 4x), `lines` lines, varied by `seed`. */
function text(seed: number, lines: number): string {
  let x = (seed * 2654435761) >>> 0 || 1;
  const next = () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), (x >>>= 0));
  const out: string[] = [];
  for (let i = 0; i < lines; i++) out.push(`${i},${WORDS[next() % WORDS.length]},${WORDS[next() % WORDS.length]},${(next() % 100000) / 1000}`);
  return `${out.join('\n')}\n`;
}

/** `n` small text files under `dir`, 1000 per folder; `lines` per file sets their size (~25 bytes a line). */
export function writeTextFiles(dir: string, n: number, lines = 60): void {
  for (let d = 0; d * 1000 < n; d++) {
    const sub = join(dir, `d${String(d).padStart(4, '0')}`);
    mkdirSync(sub, { recursive: true });
    for (let i = d * 1000; i < Math.min(n, (d + 1) * 1000); i++) writeFileSync(join(sub, `f${i}.csv`), text(i, lines + (i % 7) * 10));
  }
}

/** Appends a line to 1% of the files written by writeTextFiles (a different 1% each `round`). */
export function changeOnePercent(dir: string, n: number, round: number): number {
  let changed = 0;
  for (let i = round % 100; i < n; i += 100) {
    appendFileSync(join(dir, `d${String(Math.floor(i / 1000)).padStart(4, '0')}`, `f${i}.csv`), `changed in round ${round}\n`);
    changed++;
  }
  return changed;
}

export function writeBlobs(dir: string, host: string, mib: number): void {
  mkdirSync(dir, { recursive: true });
  const per = Math.max(1, Math.ceil(mib / 4));
  for (let i = 0; i * per < mib; i++) writeFileSync(join(dir, `blob${i}.bin`), pseudoRandom(`${host}-blob-${i}`, Math.min(per, mib - i * per) * 1024 * 1024));
}

/**
 * Night `night`'s SQL dump (`dump-NNNN.sql`) of about `mib` MiB: the same rows as the night before
 * except 1% of them, plus new rows, like a real daily dump; only the two newest are kept (rotation).
 */
export function writeDump(dir: string, host: string, mib: number, night: number): void {
  mkdirSync(dir, { recursive: true });
  const rows = Math.floor((mib * 1024 * 1024) / 100);
  const lines = ['-- bench dump', 'CREATE TABLE public.trial (id integer PRIMARY KEY, subject text, note text);', 'COPY public.trial (id, subject, note) FROM stdin;'];
  for (let i = 0; i < rows + night * 100; i++) {
    const edited = i % 100 === night % 100 && night > 0 ? `-edited-${night}` : '';
    lines.push(`${i}\t${host}-${i % 977}\t${WORDS[i % WORDS.length]} ${WORDS[(i * 7) % WORDS.length]} ${(i * 37) % 100003}${edited} padding-to-make-a-row-of-a-hundred-bytes-x`);
  }
  lines.push('\\.', '-- dump complete', '');
  writeFileSync(join(dir, `dump-${String(night).padStart(4, '0')}.sql`), lines.join('\n'));
  const dumps = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  for (const old of dumps.slice(0, -2)) rmSync(join(dir, old));
}

/** Empties `dir` (keeps the directory itself), as after a disk loss on the main server. */
export function emptyDir(dir: string): void {
  for (const e of readdirSync(dir)) rmSync(join(dir, e), { recursive: true, force: true });
}
