// Bounded concurrency: mapPool keeps input order; limiter never lets more than its limit run, also
// when a new call arrives just as a running one finishes and a waiter is due to take its slot.
import { describe, expect, it } from 'vitest';
import { limiter, mapPool } from '../../../src/util/pool.js';

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('pool', () => {
  it('mapPool returns results in input order with at most `limit` in flight', async () => {
    let running = 0;
    let most = 0;
    const out = await mapPool([5, 1, 4, 2, 3], 2, async (x) => {
      most = Math.max(most, ++running);
      for (let i = 0; i < x; i++) await tick();
      running--;
      return x * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });

  it('limiter hands a finished slot to the waiter, never to a newcomer as well', async () => {
    const gate = limiter(1);
    let running = 0;
    let most = 0;
    const job = async () => {
      most = Math.max(most, ++running);
      await tick();
      running--;
    };
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const first = gate(() => held);
    const waiter = gate(job);
    // A newcomer that arrives in the same turn the first call ends, after the slot is given back
    // but before the waiter has woken: it must wait too.
    let newcomer: Promise<void> | undefined;
    void held.then(() => (newcomer = gate(job)));
    release();
    await first;
    await Promise.all([waiter, newcomer]);
    expect(most).toBe(1);
  });
});
