import { describe, expect, it } from 'vitest';
import { parseArchiveChoice, pickArchive } from '../../../src/drill/archive-choice.js';
import { seededRandom } from '../../../src/drill/random.js';

const names = ['h-20240101T000000Z', 'h-20240102T000000Z', 'h-20240103T000000Z', 'h-20240104T000000Z'];

describe('drill archive choice', () => {
  it('parses --archive', () => {
    expect(parseArchiveChoice(undefined)).toEqual({ kind: 'random' });
    expect(parseArchiveChoice('random')).toEqual({ kind: 'random' });
    expect(parseArchiveChoice('latest')).toEqual({ kind: 'latest' });
    expect(parseArchiveChoice('h-20240101T000000Z')).toEqual({ kind: 'named', name: 'h-20240101T000000Z' });
  });

  it('takes the newest, or a named one that exists', () => {
    expect(pickArchive(names, { kind: 'latest' }, seededRandom('x'))).toBe('h-20240104T000000Z');
    expect(pickArchive(names, { kind: 'named', name: names[1]! }, seededRandom('x'))).toBe(names[1]);
    expect(pickArchive(names, { kind: 'named', name: 'nope' }, seededRandom('x'))).toBeUndefined();
    expect(pickArchive([], { kind: 'random' }, seededRandom('x'))).toBeUndefined();
  });

  it('weights random choices toward recent archives, reproducibly', () => {
    const counts = new Map<string, number>();
    const rand = seededRandom('weights');
    for (let i = 0; i < 20000; i++) {
      const a = pickArchive(names, { kind: 'random' }, rand)!;
      counts.set(a, (counts.get(a) ?? 0) + 1);
    }
    // Weights 1, 1/2, 1/3, 1/4 (newest first) -> 48%, 24%, 16%, 12%.
    const share = (n: string) => (counts.get(n) ?? 0) / 20000;
    expect(share(names[3]!)).toBeGreaterThan(0.44);
    expect(share(names[3]!)).toBeLessThan(0.52);
    expect(share(names[0]!)).toBeGreaterThan(0.09);
    expect(share(names[0]!)).toBeLessThan(0.15);
    expect(share(names[2]!)).toBeGreaterThan(share(names[1]!));
    const again = [1, 2, 3].map(() => pickArchive(names, { kind: 'random' }, seededRandom('s', 'h')));
    expect(new Set(again).size).toBe(1);
  });
});
