import { describe, expect, it } from 'vitest';
import { collapseRepeats, groupNotes, repeatedText } from '../../../src/report/grouping.js';

const note = (run_id: number, at: string, over: Partial<Parameters<typeof groupNotes>[0][number]> = {}) => ({ run_id, step: 'pull', source: 'data', message: 'Connection refused', at, ...over });

describe('groupNotes', () => {
  it('gives one group per distinct step, source and message, with count, first and last, in the order first seen', () => {
    const groups = groupNotes([
      note(3, '2026-03-03T02:00:00.000Z'),
      note(1, '2026-03-01T02:00:00.000Z'),
      note(2, '2026-03-02T02:00:00.000Z', { source: 'db' }),
      note(5, '2026-03-05T02:00:00.000Z'),
      note(4, '2026-03-04T02:00:00.000Z', { message: 'Connection timed out' }),
    ]);
    expect(groups).toEqual([
      { step: 'pull', source: 'data', message: 'Connection refused', count: 3, first_at: '2026-03-01T02:00:00.000Z', last_at: '2026-03-05T02:00:00.000Z', first_run_id: 1, last_run_id: 5 },
      { step: 'pull', source: 'db', message: 'Connection refused', count: 1, first_at: '2026-03-02T02:00:00.000Z', last_at: '2026-03-02T02:00:00.000Z', first_run_id: 2, last_run_id: 2 },
      { step: 'pull', source: 'data', message: 'Connection timed out', count: 1, first_at: '2026-03-04T02:00:00.000Z', last_at: '2026-03-04T02:00:00.000Z', first_run_id: 4, last_run_id: 4 },
    ]);
  });

  it('keeps warnings with different retries apart, and a host-level step (no source) apart from a source', () => {
    const groups = groupNotes([note(1, '2026-03-01T02:00:00.000Z', { retries: 1 }), note(2, '2026-03-02T02:00:00.000Z', { retries: 2 }), note(3, '2026-03-03T02:00:00.000Z', { source: null })]);
    expect(groups.map((g) => [g.source, g.retries, g.count])).toEqual([['data', 1, 1], ['data', 2, 1], [null, undefined, 1]]);
  });

  it('says nothing more of a single note; of a repeated one its count, first and last', () => {
    const [one] = groupNotes([note(1, '2026-03-01T02:00:00.000Z')]);
    expect(repeatedText(one!, (x) => x)).toBeUndefined();
    const [seven] = groupNotes([1, 2, 3, 4, 5, 6, 7].map((d) => note(d, `2026-03-0${d}T02:00:00.000Z`)));
    expect(repeatedText(seven!, (x) => x.slice(0, 10))).toEqual({ count: '7 times', when: 'first 2026-03-01 (run 1), last 2026-03-07 (run 7)' });
  });
});

describe('collapseRepeats', () => {
  it('tells consecutive equal words once with their count', () => {
    expect(collapseRepeats(['run ok', 'run failed', 'run failed', 'check ok', 'run failed'])).toEqual(['run ok', 'run failed (2 times)', 'check ok', 'run failed']);
    expect(collapseRepeats([])).toEqual([]);
  });
});
