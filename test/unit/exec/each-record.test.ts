// NUL-separated records read from a stream: a record split between chunks (even inside a
// multi-byte character) arrives whole; newlines are part of a record; a last unterminated one counts.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { eachRecord } from '../../../src/exec/run.js';

async function records(chunks: Buffer[]): Promise<string[]> {
  const out: string[] = [];
  await eachRecord(Readable.from(chunks), '\0', (r) => out.push(r));
  return out;
}

describe('eachRecord', () => {
  it('splits on NUL only, across chunk boundaries and inside a character', () => {
    const bytes = Buffer.from('-rw-r--r-- 3 a\nb\0drwx 0 naïve ☃\0-rw 1 last', 'utf8');
    const snowman = bytes.indexOf(Buffer.from('☃'));
    return Promise.all([
      records([bytes]),
      records([bytes.subarray(0, 5), bytes.subarray(5, snowman + 1), bytes.subarray(snowman + 1)]),
      records([...bytes].map((b) => Buffer.from([b]))),
    ]).then((all) => {
      for (const r of all) expect(r).toEqual(['-rw-r--r-- 3 a\nb', 'drwx 0 naïve ☃', '-rw 1 last']);
    });
  });

  it('gives nothing for empty output and no trailing empty record', async () => {
    expect(await records([])).toEqual([]);
    expect(await records([Buffer.from('a\0')])).toEqual(['a']);
  });
});
