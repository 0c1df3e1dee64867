// Exact argv of borg check.
import { describe, expect, it } from 'vitest';
import { buildCheckArgs } from '../../../../src/tools/borg/check.js';
import { nightlyGlob } from '../../../../src/tools/borg/flags.js';

const LW = ['--lock-wait', '2'];

describe('buildCheckArgs', () => {
  it('checks repository and the host archives by default', () => {
    expect(buildCheckArgs({ repo: '/r', repository: true, archives: true, verifyData: false, glob: nightlyGlob('h') })).toEqual([
      'check', ...LW, '--glob-archives', nightlyGlob('h'), '/r',
    ]);
  });

  it('repository only, archives only, and --verify-data (which implies archives)', () => {
    expect(buildCheckArgs({ repo: '/r', repository: true, archives: false, verifyData: false, glob: 'g' })).toEqual(['check', ...LW, '--repository-only', '/r']);
    expect(buildCheckArgs({ repo: '/r', repository: false, archives: true, verifyData: false })).toEqual(['check', ...LW, '--archives-only', '/r']);
    expect(buildCheckArgs({ repo: '/r', repository: true, archives: false, verifyData: true, glob: 'g' })).toEqual([
      'check', ...LW, '--verify-data', '--glob-archives', 'g', '/r',
    ]);
    expect(buildCheckArgs({ repo: '/r', repository: false, archives: false, verifyData: true })).toEqual(['check', ...LW, '--archives-only', '--verify-data', '/r']);
  });

  it('a time-limited repository check is partial (resumed next time) and says how far it got', () => {
    expect(buildCheckArgs({ repo: '/r', repository: true, archives: false, verifyData: false, maxDurationSeconds: 1200 })).toEqual([
      'check', ...LW, '--repository-only', '--info', '--max-duration', '1200', '/r',
    ]);
    // borg allows --max-duration only with --repository-only: never added to a combined check.
    expect(buildCheckArgs({ repo: '/r', repository: true, archives: true, verifyData: false, maxDurationSeconds: 1200 })).toEqual(['check', ...LW, '/r']);
  });

  it('checks a single archive without a glob', () => {
    expect(buildCheckArgs({ repo: '/r', repository: false, archives: true, verifyData: false, glob: 'g', archive: 'h-20240101T000000Z' })).toEqual([
      'check', ...LW, '--archives-only', '/r::h-20240101T000000Z',
    ]);
  });
});
