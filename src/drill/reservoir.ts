// The reservoir a drill's sample is drawn with: a seeded, streaming, uniform choice of k paths
// among however many are offered, independent of their order (sample.ts decides what is offered).
import { randomIndex, type Random } from './random.js';

/**
 * A streaming uniform sample of at most `k` items (a reservoir: bottom-k of a keyed hash of each
 * path). Memory is O(k) whatever the number of items offered; the choice depends only on the set of
 * paths offered and on `rand` (one draw salts the keys), not on their order, so a seed repeats a
 * drill exactly. Unlike Algorithm R it needs no count known in advance and no sort of everything.
 */
export class ReservoirSample<T extends { path: string }> {
  /** Max-heap on (key, path): the root is the item the next better one replaces. */
  private readonly heap: Array<{ key: number; item: T }> = [];
  private readonly salt: number;
  offered = 0;

  constructor(
    readonly k: number,
    rand: Random,
  ) {
    this.salt = randomIndex(rand, 0x1_0000_0000);
  }

  offer(item: T): void {
    this.consider(item.path, () => item);
  }

  /**
   * Offers the item at `path`, made by `make` only when it enters the sample: a listing of a million
   * paths allocates an object for the few dozen kept, not for every one passed over.
   */
  consider(path: string, make: () => T): void {
    this.offered++;
    if (this.k <= 0) return;
    const key = pathKey(path, this.salt);
    const h = this.heap;
    if (h.length < this.k) {
      h.push({ key, item: make() });
      this.up(h.length - 1);
    } else if (key < h[0]!.key || (key === h[0]!.key && compare(path, h[0]!.item.path) < 0)) {
      h[0] = { key, item: make() };
      this.down(0);
    }
  }

  /** The sample, sorted by path. */
  take(): T[] {
    return this.heap.map((e) => e.item).sort((a, b) => compare(a.path, b.path));
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[p]!, h[i]!)) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[m]!, h[l]!)) m = l;
      if (r < h.length && before(h[m]!, h[r]!)) m = r;
      if (m === i) return;
      [h[m], h[i]] = [h[i]!, h[m]!];
      i = m;
    }
  }
}

/** `k` distinct items of `items` chosen with `rand` (a ReservoirSample over them), sorted by path. */
export function pickSample<T extends { path: string }>(items: Iterable<T>, k: number, rand: Random): T[] {
  const r = new ReservoirSample<T>(k, rand);
  for (const i of items) r.offer(i);
  return r.take();
}

/** Whether `a` ranks before `b` in the sample (smaller key; equal keys by path). */
function before(a: { key: number; item: { path: string } }, b: { key: number; item: { path: string } }): boolean {
  return a.key < b.key || (a.key === b.key && compare(a.item.path, b.item.path) < 0);
}

/** A 53-bit hash of `path` salted by `salt` (cyrb53): uniform enough to rank paths at random. */
function pathKey(path: string, salt: number): number {
  let h1 = 0xdeadbeef ^ salt;
  let h2 = 0x41c6ce57 ^ salt;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** Code-unit order (not locale), so sorting is the same on every machine. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
