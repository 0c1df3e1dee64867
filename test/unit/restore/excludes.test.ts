// Restore excludes: the plan carries the archive's exclude patterns (older manifests: the origin
// host's config), plus the target's, so the push never deletes what the backup never held.
import { describe, expect, it } from 'vitest';
import { buildRestorePlan } from '../../../src/restore/plan.js';
import { host, manifest, src } from './fixture.js';

const figures = { data: { files: 1, bytes: 1 } };

describe('buildRestorePlan excludes', () => {
  it('takes the excludes recorded in the manifest, whatever the config says now', () => {
    const main = host('main', [src('data', 'data', '/srv/data', { exclude: ['*.log'] })]);
    const m = manifest([{ name: 'data', kind: 'data', path: '/srv/data', status: 'ok', exclude: ['*.tmp', 'videos/'] }]);
    const p = buildRestorePlan({ manifest: m, repository: '/r', archive: m.archive, origin: main, target: main, figures });
    expect(p.steps[0]!.exclude).toEqual(['*.tmp', 'videos/', '*.log']);
    expect(p.steps[0]!.overwrites).toBe('main:/srv/data (replaced by the archived tree; files not in the archive are deleted, except those matching *.tmp videos/ *.log)');
  });

  it('falls back to the origin host config when an older manifest has none, and adds the --to target\'s', () => {
    const main = host('main', [src('data', 'data', '/srv/data', { exclude: ['*.tmp'] })]);
    const spare = host('spare', [src('data', 'data', '/data', { exclude: ['cache/', '*.tmp'] })]);
    const m = manifest([{ name: 'data', kind: 'data', path: '/srv/data', status: 'ok' }]);
    const p = buildRestorePlan({ manifest: m, repository: '/r', archive: m.archive, origin: main, target: spare, figures });
    expect(p.steps[0]!.exclude).toEqual(['*.tmp', 'cache/']);
  });

  it('has none when neither the manifest nor the config has any', () => {
    const main = host('main', [src('data', 'data', '/srv/data')]);
    const m = manifest([{ name: 'data', kind: 'data', path: '/srv/data', status: 'ok' }]);
    const p = buildRestorePlan({ manifest: m, repository: '/r', archive: m.archive, target: main, figures });
    expect(p.steps[0]!.exclude).toEqual([]);
    expect(p.steps[0]!.overwrites).toBe('main:/srv/data (replaced by the archived tree; files not in the archive are deleted)');
  });
});
