// A small seeded pseudo-random generator for drills: the same seed gives the same archive and the
// same sample, so a drill that found a problem can be repeated exactly.
import { createHash } from 'node:crypto';

/** A function returning floats in [0, 1), like Math.random. */
export type Random = () => number;

/** A generator seeded from `seed` and `stream` (the host name: each host draws independently). */
export function seededRandom(seed: string, stream = ''): Random {
  const h = createHash('sha256').update(seed).update('\0').update(stream).digest();
  let a = h.readUInt32LE(0);
  let b = h.readUInt32LE(4);
  let c = h.readUInt32LE(8);
  let d = h.readUInt32LE(12);
  // sfc32: tiny, fast, well distributed; not for cryptography (drills need reproducibility, not secrecy).
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next(); // discard the first outputs, which still resemble the seed
  return next;
}

/** An integer in [0, n). */
export function randomIndex(rand: Random, n: number): number {
  return Math.min(n - 1, Math.floor(rand() * n));
}
