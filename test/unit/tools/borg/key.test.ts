// Exact argv of borg key export.
import { describe, expect, it } from 'vitest';
import { buildKeyExportArgs } from '../../../../src/tools/borg/key.js';

describe('buildKeyExportArgs', () => {
  it('prints the key to stdout (no PATH argument)', () => {
    expect(buildKeyExportArgs('/srv/borg/web 1')).toEqual(['key', 'export', '/srv/borg/web 1']);
  });
});
