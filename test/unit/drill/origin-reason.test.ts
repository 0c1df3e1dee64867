import { describe, expect, it } from 'vitest';
import { withoutPath } from '../../../src/drill/origin.js';

describe("a drill's reason for an origin file it could not read", () => {
  it('leaves the path out, so files refused alike share one reason', () => {
    const e = new Error("cannot stat /srv/data/a.txt: exited 126: pullback-gate: refused: '/srv/data/a.txt' is outside the allowed paths");
    expect(withoutPath(e, '/srv/data/a.txt')).toBe('exited 126: pullback-gate: refused: the file is outside the allowed paths');
    expect(withoutPath(new Error('cannot checksum /x: exited 1: sha256sum: /x: Permission denied'), '/x')).toBe('exited 1: sha256sum: the file: Permission denied');
    expect(withoutPath(new Error('connection reset'), '/x')).toBe('connection reset');
  });
});
