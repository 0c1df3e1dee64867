// The nightly gates, read from the step table: what runs after what, and what a failure stops.
import { describe, expect, it } from 'vitest';
import type { SourceConfig } from '../../../src/config/types.js';
import { archivedSources, manifestEntry, newNight, partialComment, type NightState } from '../../../src/nightly/state.js';
import { NIGHTLY_STEPS, type HostStep, type SourceStep } from '../../../src/nightly/steps.js';

const src = (name: string, over: Partial<SourceConfig> = {}): SourceConfig => ({ name, kind: 'data', path: `/srv/${name}`, exclude: [], ...over });
const db = src('db', { kind: 'database', dump: { engine: 'postgres', databases: ['app'], connection: { host: 'h', port: 5432, user: 'u' }, keep: 2 } });
const sourceStep = (name: string) => NIGHTLY_STEPS.find((s) => s.name === name) as SourceStep;
const hostStep = (name: string) => NIGHTLY_STEPS.find((s) => s.name === name) as HostStep;
const night = (aborted = false): NightState => newNight([db, src('blobs'), src('data')], () => aborted);
const archived = (n: NightState) => {
  n.archive = { archive: 'main-1', repository: '/r', stats: { originalSize: 0, compressedSize: 0, deduplicatedSize: 0, nfiles: 0 }, manifest: { format: 1, host: 'main', archive: 'main-1', createdAt: '', sources: [] } };
  return n;
};

describe('the nightly step table', () => {
  it('is in order: the repository first; the prune an earlier night owes, compact, its check or creation alongside the login and the sources; per source dump, pull, verify, keep_last_good; then archive, the prune it owes, check, offsite, drill', () => {
    expect(NIGHTLY_STEPS.map((s) => `${s.scope}:${s.name}`)).toEqual([
      'host:repository', 'host:prune', 'host:compact', 'host:check_repository', 'host:create_repository', 'host:connect', 'source:dump', 'source:pull', 'source:verify', 'source:keep_last_good', 'host:archive', 'host:schedule_prune', 'host:check', 'host:offsite', 'host:drill',
    ]);
    for (const s of NIGHTLY_STEPS) expect(s.records.length * s.onFailure.length).toBeGreaterThan(0);
    expect(NIGHTLY_STEPS.filter((s) => s.stopsHost).map((s) => s.name)).toEqual(['repository', 'connect']);
    // The login runs while the repository's background rows go on: it needs nothing they produce.
    expect(NIGHTLY_STEPS.filter((s) => s.scope === 'host' && s.alongside).map((s) => s.name)).toEqual(['connect']);
    // The drill hook records its own 'drill' step: recorded once, not twice.
    expect(NIGHTLY_STEPS.filter((s) => s.recordsItself).map((s) => s.name)).toEqual(['schedule_prune', 'drill']);
    expect(NIGHTLY_STEPS.filter((s) => s.scope === 'host' && s.background).map((s) => s.name)).toEqual(['prune', 'compact', 'check_repository', 'create_repository']);
    expect(NIGHTLY_STEPS.filter((s) => s.lock === 'repository').map((s) => s.name)).toEqual(['prune', 'compact', 'check_repository', 'create_repository', 'keep_last_good', 'archive', 'check', 'offsite']);
  });

  it('dump only for sources with dump:, verify only for database sources', () => {
    expect(sourceStep('dump').applies(db)).toBe(true);
    expect(sourceStep('dump').applies(src('data'))).toBe(false);
    expect(sourceStep('verify').applies(src('db2', { kind: 'database' }))).toBe(true);
    expect(sourceStep('verify').applies(src('blobs', { kind: 'blobs' }))).toBe(false);
  });

  it("stops a source at its first failure, leaves the others going, and skips every source of an unreachable host (recorded)", () => {
    const n = night();
    const [d, b] = n.sources as [NonNullable<NightState['sources'][0]>, NonNullable<NightState['sources'][0]>];
    d.status = 'failed';
    expect(sourceStep('pull').gate(n, d)).toMatchObject({ run: false, silent: true });
    expect(sourceStep('pull').gate(n, b)).toEqual({ run: true });
    expect(sourceStep('keep_last_good').gate(n, d)).toEqual({ run: true });
    expect(sourceStep('keep_last_good').gate(n, b)).toMatchObject({ run: false, silent: true });
    n.unreachable = true;
    expect(sourceStep('pull').gate(n, b)).toEqual({ run: false, reason: 'host unreachable', silent: false });
  });

  it('archives unless every source failed; owes a prune only after a night without failures, paid by the next night', () => {
    const n = night();
    expect(hostStep('archive').gate(n, {})).toEqual({ run: true });
    expect(hostStep('schedule_prune').gate(n, {})).toMatchObject({ run: false, reason: 'prune skipped: this run created no archive' });
    archived(n);
    expect(hostStep('schedule_prune').gate(n, {})).toEqual({ run: true });
    expect(hostStep('schedule_prune').gate(Object.assign(archived(night()), { repoPresent: false }), {})).toMatchObject({ run: false, silent: true });
    n.sources[2]!.status = 'failed';
    expect(hostStep('archive').gate(n, {})).toEqual({ run: true });
    expect(hostStep('schedule_prune').gate(n, {})).toMatchObject({ run: false, reason: 'prune skipped: data failed tonight (prune runs only after a night without failures)' });
    for (const s of n.sources) s.status = 'failed';
    expect(hostStep('archive').gate(n, {})).toMatchObject({ run: false, reason: 'archive skipped: every source failed (no archive, no prune)' });
    expect(hostStep('archive').gate(night(true), {})).toMatchObject({ run: false, silent: true });
  });

  it('pays an owed prune at the start of a night whose repository is there', () => {
    const n = night();
    expect(hostStep('prune').gate(n, {})).toMatchObject({ run: false, silent: true });
    n.repoPresent = true;
    expect(hostStep('prune').gate(n, {})).toMatchObject({ run: false, silent: true });
    n.pruneOwed = true;
    expect(hostStep('prune').gate(n, {})).toEqual({ run: true });
    expect(hostStep('prune').gate(Object.assign(night(true), { repoPresent: true, pruneOwed: true }), {}).run).toBe(false);
  });

  it('compacts only after a prune; checks and the drill only when due and after an archive', () => {
    const n = archived(night());
    expect(hostStep('compact').gate(n, {}).run).toBe(false);
    n.pruned = true;
    expect(hostStep('compact').gate(n, {})).toEqual({ run: true });
    n.compact = { run: false, why: 'compact not needed: the prune freed 25 kB' };
    expect(hostStep('compact').gate(n, {})).toMatchObject({ run: false, reason: 'compact not needed: the prune freed 25 kB', silent: true });
    n.compact = { run: true, why: 'the prune freed 5 GB' };
    expect(hostStep('compact').gate(n, {})).toEqual({ run: true });
    expect(hostStep('check').gate(n, {}).run).toBe(false);
    n.due.archives = true;
    expect(hostStep('check').gate(n, {})).toEqual({ run: true });
    n.due.drill = true;
    expect(hostStep('drill').gate(n, {}).run).toBe(false);
    expect(hostStep('drill').gate(n, { drill: async () => ({ status: 'ok' }) })).toEqual({ run: true });
    const none = night();
    none.due = { repository: true, archives: true, data: true, drill: true };
    expect(hostStep('check').gate(none, {}).run).toBe(false);
  });

  it('checks the repository while the sources are pulled when it exists; else after the first archive', () => {
    const n = night();
    n.due.repository = true;
    expect(hostStep('check_repository').gate(n, {})).toMatchObject({ run: false, silent: true });
    n.repoPresent = true;
    expect(hostStep('check_repository').gate(n, {})).toEqual({ run: true });
    expect(hostStep('check_repository').gate(Object.assign(night(true), { repoPresent: true }), {}).run).toBe(false);
    // A first night: the repository check is left to the check row, after the archive created it.
    const first = archived(night());
    first.due.repository = true;
    expect(hostStep('check').gate(first, {})).toEqual({ run: true });
    first.checks.push('repository');
    expect(hostStep('check').gate(first, {}).run).toBe(false);
  });

  it("creates a first night's repository while the sources are pulled; no archive when that failed", () => {
    const n = night();
    expect(hostStep('create_repository').gate(n, {})).toMatchObject({ run: false, silent: true });
    n.repoPresent = true;
    expect(hostStep('create_repository').gate(n, {})).toMatchObject({ run: false, silent: true });
    const first = Object.assign(night(), { repoPresent: false });
    expect(hostStep('create_repository').gate(first, {})).toEqual({ run: true });
    expect(hostStep('create_repository').gate(Object.assign(night(true), { repoPresent: false }), {}).run).toBe(false);
    expect(hostStep('archive').gate(first, {})).toMatchObject({ run: false, reason: expect.stringMatching(/repository could not be created/) });
    first.repoCreated = true;
    expect(hostStep('archive').gate(first, {})).toEqual({ run: true });
  });

  it("a failed source is archived as its last good state, and the archive says it is partial", () => {
    const n = night();
    const data = n.sources[2]!;
    data.status = 'failed';
    data.failedAt = { step: 'pull', error: 'rsync exited 23' };
    data.keptFrom = { archive: 'main-0', manifest: { name: 'data', kind: 'data', path: '/srv/data', status: 'ok', pull: { source: 'data', window: { start: 'a', end: 'b' }, attempts: 1 } } };
    expect(manifestEntry(data)).toMatchObject({ name: 'data', status: 'kept', pull: { window: { start: 'a' } }, failed: { step: 'pull', error: 'rsync exited 23', keptFrom: 'main-0' } });
    expect(partialComment(n)).toBe('partial: failed data (pull; last good state from main-0)');
    data.leftOut = 'its last good state could not be put back';
    expect(manifestEntry(data).status).toBe('failed');
    expect(partialComment(n)).toBe('partial: failed data (pull; its last good state could not be put back: left out)');
    expect(archivedSources(n).map((s) => s.source.name)).not.toContain('data');
    // keep_last_good found nothing to keep (a first night): never "its mirror as last pulled".
    Object.assign(data, { keptFrom: undefined, leftOut: 'no earlier copy' });
    expect(partialComment(n)).toBe('partial: failed data (pull; no earlier copy: left out)');
    expect(archivedSources(n).map((s) => s.source.name)).not.toContain('data');
    expect(partialComment(night())).toBeUndefined();
  });

  it('a source failing two nights in a row names the night that pulled its state, not the partial archive between', () => {
    const n = night();
    const data = n.sources[2]!;
    data.status = 'failed';
    data.failedAt = { step: 'pull', error: 'rsync exited 23' };
    // Last night's archive (main-1) had itself kept the folder from main-0.
    const lastNight = { name: 'data', kind: 'data', path: '/srv/data', status: 'kept', pull: { source: 'data', window: { start: 'a', end: 'b' }, attempts: 1 }, failed: { step: 'pull', error: 'x', keptFrom: 'main-0' } };
    data.keptFrom = { archive: 'main-1', manifest: lastNight };
    expect(manifestEntry(data)).toMatchObject({ status: 'kept', failed: { keptFrom: 'main-0' } });
    expect(partialComment(n)).toBe('partial: failed data (pull; last good state from main-0)');
  });
});

describe('the offsite row', () => {
  it('runs after the check, under the repository queue, only when the night made an archive', () => {
    const order = NIGHTLY_STEPS.map((s) => s.name);
    expect(order.indexOf('offsite')).toBe(order.indexOf('check') + 1);
    const withTargets = (n: NightState) => Object.assign(n, { offsite: true });
    expect(hostStep('offsite').gate(withTargets(night()), {})).toMatchObject({ run: false, silent: true });
    expect(hostStep('offsite').gate(withTargets(archived(night())), {})).toEqual({ run: true });
    expect(hostStep('offsite').gate(archived(night()), {})).toMatchObject({ run: false, silent: true });
    expect(hostStep('offsite').gate(withTargets(archived(night(true))), {})).toMatchObject({ run: false });
    const damaged = withTargets(archived(night()));
    damaged.checked = 'failed';
    expect(hostStep('offsite').gate(damaged, {})).toEqual({ run: false, silent: false, reason: "not copied off-site: tonight's check of the repository failed (a damaged repository is never copied)" });
  });
});
