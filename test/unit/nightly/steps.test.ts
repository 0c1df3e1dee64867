// The nightly step table, driven through its runner: what a row's failure stops (`stops`, `needs`,
// a source's `for`) on a fake table whose rows fail on demand, then the real table's rows (their
// edges, the drill and off-site hooks) with fake bodies, then the gates read from the night's state.
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Catalog, type Status } from '../../../src/catalog/catalog.js';
import type { GlobalConfig, HostConfig, SourceConfig } from '../../../src/config/types.js';
import { InternalError } from '../../../src/errors.js';
import type { HostContext, StepOutcome } from '../../../src/job/context.js';
import { runNightly, tableProblems } from '../../../src/nightly/runner.js';
import { archivedSources, manifestEntry, newNight, partialComment, type NightState } from '../../../src/nightly/state.js';
import { NIGHTLY_STEPS, pruneOwed } from '../../../src/nightly/steps.js';
import { hostRepo } from '../../../src/job/context.js';
import { clearCheckFailure, recordCheckFailure } from '../../../src/catalog/check-damage.js';
import type { Edge, HostStep, NightlyFeatures, NightlyStep, SourceStep } from '../../../src/nightly/step-types.js';
import { makeTempDir } from '../../harness/index.js';

const src = (name: string, over: Partial<SourceConfig> = {}): SourceConfig => ({ name, kind: 'data', path: `/srv/${name}`, exclude: [], ...over });
const db = src('db', { kind: 'database', dump: { engine: 'postgres', databases: ['app'], connection: { host: 'h', port: 5432, user: 'u' }, keep: 2 } });
const sourceStep = (name: string) => NIGHTLY_STEPS.find((s) => s.name === name) as SourceStep;
const hostStep = (name: string) => NIGHTLY_STEPS.find((s) => s.name === name) as HostStep;
const night = (aborted = false): NightState => newNight([db, src('blobs'), src('data')], () => aborted);
const archived = (n: NightState) => {
  n.archive = { archive: 'main-1', repository: '/r', stats: { originalSize: 0, compressedSize: 0, deduplicatedSize: 0, nfiles: 0 }, manifest: { format: 1, host: 'main', archive: 'main-1', createdAt: '', sources: [] } };
  return n;
};

// ---- a minimal HostContext: a real catalog in a temp dir (what the runner records), nothing spawned

type Frequency = 'always' | 'never';
const catalogs: Catalog[] = [];
afterEach(() => catalogs.splice(0).forEach((c) => c.close()));

function hostContext(opts: { sources?: string[]; drill?: Frequency; archives?: Frequency; offsite?: boolean; signal?: AbortSignal } = {}): HostContext {
  const stateDir = makeTempDir('nightly-steps-');
  const catalog = Catalog.open(stateDir);
  catalogs.push(catalog);
  const global = {
    stateDir,
    repository: { pathTemplate: `${stateDir}/repo-{host}` },
    checks: { repository: 'never', archives: opts.archives ?? 'never', data: 'never', drill: opts.drill ?? 'never', repositoryMaxDurationSeconds: 0 },
    offsite: opts.offsite ? [{ name: 'far' }] : [],
    sourceConcurrency: 1,
  } as unknown as GlobalConfig;
  const host = { name: 'main', sources: (opts.sources ?? ['s1', 's2']).map((n) => src(n)) } as unknown as HostConfig;
  return { global, host, catalog, runId: catalog.startRun('run', {}), logger: pino({ level: 'silent' }), signal: opts.signal };
}
const recorded = (ctx: HostContext) => ctx.catalog.stepsOf(ctx.runId).map((r) => `${r.step}${r.source ? `:${r.source}` : ''}=${r.status}${r.status === 'skipped' ? ` (${r.error})` : ''}`);

/** Features that must not be called; a test that expects a call replaces one. */
const features = (calls: string[] = []): NightlyFeatures => ({
  drill: async () => {
    calls.push('drill');
    return { status: 'ok' };
  },
  offsite: async () => {
    calls.push('offsite');
    return { status: 'ok' };
  },
  baseBackup: async () => {
    calls.push('baseBackup');
    return { status: 'ok' };
  },
});

// ---- a fake table: each row's run notes that it ran and returns what `script` says (default ok)

type Script = Record<string, Status>;
function fakeTable(script: Script, ran: string[], rows: Array<HostStep | SourceStep>): NightlyStep[] {
  return rows.map((row) =>
    row.scope === 'host'
      ? { ...row, run: async () => (ran.push(row.name), { status: script[row.name] ?? 'ok', error: script[row.name] ? `${row.name} said ${script[row.name]}` : undefined }) }
      : {
          ...row,
          run: async (_c: HostContext, _n: NightState, s: NightState['sources'][number]) => {
            const key = `${row.name}:${s.source.name}`;
            ran.push(key);
            return { status: script[key] ?? 'ok', error: script[key] ? `${key} said ${script[key]}` : undefined, bytes: 100, files: 2 };
          },
        },
  );
}
const host = (name: string, over: Partial<HostStep> = {}): HostStep => ({ scope: 'host', name, lock: 'none', stops: [], gate: () => ({ run: true }), run: async () => ({ status: 'ok' }), ...over });
const source = (name: string, over: Partial<SourceStep> = {}): SourceStep => ({ scope: 'source', name, applies: () => true, for: 'good', stops: 'source', lock: 'none', gate: () => ({ run: true }), run: async () => ({ status: 'ok' }), ...over });

/**
 * open (stops: rest), side (background, stops `late` with a reason), per source fetch (the
 * transfer) and check (both stop the source), rescue (for failed sources, stops nothing), then
 * make; late needs make (said), quiet needs make (silent).
 */
const TABLE = (nightSeen?: (n: NightState) => void): Array<HostStep | SourceStep> => [
  host('open', { stops: 'rest' }),
  host('side', { background: true, lock: 'repository', stops: [{ step: 'late', said: 'late skipped: side failed' }] }),
  source('fetch', { transfer: true }),
  source('check'),
  source('rescue', { for: 'failed', stops: 'nothing' }),
  host('make', { lock: 'repository', gate: (n) => (nightSeen?.(n), { run: true }) }),
  host('late', { needs: [{ step: 'make', said: 'late skipped: nothing made' }] }),
  host('quiet', { needs: ['make'] }),
];

async function drive(script: Script, opts: Parameters<typeof hostContext>[0] = {}, rows = TABLE()) {
  const ctx = hostContext(opts);
  const ran: string[] = [];
  const r = await runNightly(ctx, features(), fakeTable(script, ran, rows));
  // The background row runs alongside the rows after it: where it falls among them is not the table's.
  const fg = (x: string) => !x.startsWith('side');
  return { r, ran: ran.filter(fg), recorded: recorded(ctx).filter(fg), side: recorded(ctx).filter((x) => !fg(x)) };
}

describe('the nightly runner over a table', () => {
  it('runs every row in order when nothing fails; the night is ok and its transfer is the transfer rows', async () => {
    const { r, ran, recorded: rec, side } = await drive({});
    expect(ran).toEqual(['open', 'fetch:s1', 'check:s1', 'fetch:s2', 'check:s2', 'make', 'late', 'quiet']);
    expect(side).toEqual(['side=ok']);
    expect(rec).toEqual(['open=ok', 'fetch:s1=ok', 'check:s1=ok', 'fetch:s2=ok', 'check:s2=ok', 'make=ok', 'late=ok', 'quiet=ok']);
    expect(r).toMatchObject({ status: 'ok', bytes: 200, files: 4, problems: [] });
  });

  it("stops: 'rest' — a failed row ends the night there: no later row runs or is recorded", async () => {
    const { r, ran, recorded: rec } = await drive({ open: 'failed' });
    expect(ran).toEqual(['open']);
    expect(rec).toEqual(['open=failed']);
    expect(r).toMatchObject({ status: 'failed', problems: ['open said failed'], bytes: 0 });
  });

  it("stops: 'source' — a failed row skips that source's later rows (unrecorded), runs its `for: 'failed'` rows, and leaves the other sources going", async () => {
    let seen: NightState | undefined;
    const { r, ran, recorded: rec } = await drive({ 'fetch:s1': 'failed' }, {}, TABLE((n) => (seen = n)));
    expect(ran).toEqual(['open', 'fetch:s1', 'rescue:s1', 'fetch:s2', 'check:s2', 'make', 'late', 'quiet']);
    expect(rec).not.toContain('check:s1=ok');
    expect(r.status).toBe('failed');
    expect(r.problems).toEqual(['fetch:s1 said failed']);
    expect(seen!.sources.map((s) => [s.source.name, s.status, s.failedAt?.step])).toEqual([['s1', 'failed', 'fetch'], ['s2', 'ok', undefined]]);
  });

  it("stops: 'nothing' — a failed `for: 'failed'` row leaves the source failed where it first failed", async () => {
    let seen: NightState | undefined;
    const { r } = await drive({ 'check:s2': 'failed', 'rescue:s2': 'failed' }, {}, TABLE((n) => (seen = n)));
    expect(seen!.sources[1]).toMatchObject({ status: 'failed', failedAt: { step: 'check', error: 'check:s2 said failed' } });
    expect(r.problems).toEqual(['check:s2 said failed', 'rescue:s2 said failed']);
  });

  it('a source skipped for a reason (recorded) failed: its later rows are skipped and its failed rows run', async () => {
    const rows = TABLE().map((row) => (row.name === 'fetch' ? source('fetch', { transfer: true, gate: () => ({ run: false, reason: 'host unreachable' }) }) : row));
    const { r, ran, recorded: rec } = await drive({}, {}, rows);
    expect(ran).toEqual(['open', 'rescue:s1', 'rescue:s2', 'make', 'late', 'quiet']);
    expect(rec.filter((x) => x.startsWith('fetch'))).toEqual(['fetch:s1=skipped (skipped: host unreachable)', 'fetch:s2=skipped (skipped: host unreachable)']);
    expect(r.status).toBe('failed');
    expect(r.problems).toEqual(['not pulled (host unreachable): s1, s2']);
  });

  it('stops: [edge] — a failed row skips exactly the rows it names, recorded with its reason', async () => {
    const { r, ran, recorded: rec, side } = await drive({ side: 'failed' });
    expect(side).toEqual(['side=failed']);
    expect(ran).toEqual(['open', 'fetch:s1', 'check:s1', 'fetch:s2', 'check:s2', 'make', 'quiet']);
    expect(rec).toContain('late=skipped (late skipped: side failed)');
    expect(r).toMatchObject({ status: 'failed', problems: ['side said failed', 'late skipped: side failed'] });
  });

  it("needs — a failed row skips the rows that need it: recorded when the edge says why, silent when it does not", async () => {
    const { r, ran, recorded: rec } = await drive({ make: 'failed' });
    expect(ran.slice(-1)).toEqual(['make']);
    expect(rec.slice(-2)).toEqual(['make=failed', 'late=skipped (late skipped: nothing made)']);
    expect(r.status).toBe('failed');
  });

  it('needs — a skipped row is not a success either; a warning is', async () => {
    const rows = TABLE().map((row) => (row.name === 'make' ? host('make', { gate: () => ({ run: false, reason: 'nothing to make' }) }) : row));
    const skipped = await drive({}, {}, rows);
    expect(skipped.ran).not.toContain('late');
    expect(skipped.recorded.slice(-2)).toEqual(['make=skipped (nothing to make)', 'late=skipped (late skipped: nothing made)']);
    const warned = await drive({ make: 'warning' });
    expect(warned.ran.slice(-3)).toEqual(['make', 'late', 'quiet']);
    expect(warned.r.status).toBe('warning');
  });

  it("a row's own gate comes before a stop on it: a row with nothing to do is skipped as its gate says", async () => {
    const rows = TABLE().map((row) => (row.name === 'late' ? host('late', { gate: () => ({ run: false, reason: 'not tonight', silent: true }) }) : row));
    const { recorded: rec } = await drive({ side: 'failed' }, {}, rows);
    expect(rec.some((x) => x.startsWith('late'))).toBe(false);
  });

  it('folds the night: the worst of ok, warning and failed; interrupted when the signal fired', async () => {
    expect((await drive({ 'check:s1': 'warning' })).r.status).toBe('warning');
    expect((await drive({ 'check:s1': 'warning', quiet: 'failed' })).r.status).toBe('failed');
    const stop = new AbortController();
    stop.abort();
    expect((await drive({}, { signal: stop.signal })).r.status).toBe('interrupted');
  });

  it('refuses a table whose edges name no row, or a row on the wrong side', async () => {
    const bad = (needs: Edge[], stops: Edge[]) => [host('a'), host('b', { needs, stops }), host('c')];
    expect(tableProblems(bad(['a'], ['c']))).toEqual([]);
    expect(tableProblems(bad(['nope'], []))).toEqual(['b needs nope, which is not a row before it']);
    expect(tableProblems(bad(['c'], ['a']))).toEqual(['b needs c, which is not a row before it', 'b stops a, which is not a row after it']);
    await expect(runNightly(hostContext(), features(), bad([], ['zz']))).rejects.toThrow(InternalError);
  });
});

// ---- the real table: its rows as they are, with fake bodies where a body would spawn borg or ssh

/** The real rows named, with the bodies given replacing theirs. */
function realRows(bodies: Record<string, HostStep['run']>, names: string[]): NightlyStep[] {
  return names.map((n) => {
    const row = NIGHTLY_STEPS.find((s) => s.name === n)!;
    // A stop on a row the subset leaves out stops nothing: dropped, so the subset is a table of its own.
    const mine = row.scope === 'host' && row.stops !== 'rest' ? { ...row, stops: row.stops.filter((e: Edge) => names.includes(typeof e === 'string' ? e : e.step)) } : row;
    return bodies[n] && mine.scope === 'host' ? { ...mine, run: bodies[n] } : mine;
  });
}
const archiveOk: HostStep['run'] = async (_c, n) => ((archived(n), { status: 'ok' }) as StepOutcome<unknown>);
const failing: HostStep['run'] = async () => ({ status: 'failed', error: 'broken' });

describe('the nightly step table', () => {
  it("names only rows of its own in `needs` and `stops`, each on the right side", () => {
    expect(tableProblems(NIGHTLY_STEPS)).toEqual([]);
    const names = new Set(NIGHTLY_STEPS.map((s) => s.name));
    for (const s of NIGHTLY_STEPS) if (s.scope === 'host') for (const e of [...(s.needs ?? []), ...(s.stops === 'rest' ? [] : s.stops)]) expect(names).toContain(typeof e === 'string' ? e : e.step);
  });

  it('is in order: the repository first, then its archives compared with the catalog; its check, then the prune an earlier night owes and compact, or its creation, alongside the login and the sources; per source dump, pull, dump_times, verify, base_backup, keep_last_good; then archive, the prune it owes, check, offsite, drill, the file index, and last the repository\'s size', () => {
    expect(NIGHTLY_STEPS.map((s) => `${s.scope}:${s.name}`)).toEqual([
      'host:repository', 'host:compare_archives', 'host:check_repository', 'host:prune', 'host:compact', 'host:create_repository', 'host:connect', 'source:dump', 'source:pull', 'source:dump_times', 'source:verify', 'source:base_backup', 'source:keep_last_good', 'host:archive', 'host:schedule_prune', 'host:check', 'host:offsite', 'host:drill', 'host:index', 'host:repository_size',
    ]);
    expect(NIGHTLY_STEPS.filter((s) => s.scope === 'host' && s.alongside).map((s) => s.name)).toEqual(['connect']);
    expect(NIGHTLY_STEPS.filter((s) => s.scope === 'host' && s.background).map((s) => s.name)).toEqual(['compare_archives', 'check_repository', 'prune', 'compact', 'create_repository']);
    expect(NIGHTLY_STEPS.filter((s) => s.lock === 'repository').map((s) => s.name)).toEqual(['compare_archives', 'check_repository', 'prune', 'compact', 'create_repository', 'keep_last_good', 'archive', 'check', 'offsite', 'index', 'repository_size']);
  });

  it('calls the drill hook when a drill is due after an archive, and records its step once (the hook records it)', async () => {
    const calls: string[] = [];
    const ctx = hostContext({ drill: 'always' });
    const r = await runNightly(ctx, features(calls), realRows({ archive: archiveOk }, ['archive', 'drill']));
    expect(calls).toEqual(['drill']);
    expect(r.checks).toEqual(['drill']);
    expect(recorded(ctx)).toEqual(['archive=ok']);
  });

  it("a drill's failure is the night's, said as the drill's", async () => {
    const f = { ...features(), drill: async () => ({ status: 'failed' as const, error: 'a mismatch' }) };
    const r = await runNightly(hostContext({ drill: 'always' }), f, realRows({ archive: archiveOk }, ['archive', 'drill']));
    expect(r).toMatchObject({ status: 'failed', problems: ['drill: a mismatch'] });
  });

  it('calls no drill when none is due, or when the archive failed', async () => {
    const calls: string[] = [];
    await runNightly(hostContext({ drill: 'never' }), features(calls), realRows({ archive: archiveOk }, ['archive', 'drill']));
    await runNightly(hostContext({ drill: 'always' }), features(calls), realRows({ archive: failing }, ['archive', 'drill']));
    expect(calls).toEqual([]);
  });

  it("a failed archive skips the prune it owes (said), the check, the off-site copy and the drill (silently)", async () => {
    const calls: string[] = [];
    const ctx = hostContext({ drill: 'always', archives: 'always', offsite: true });
    const r = await runNightly(ctx, features(calls), realRows({ archive: failing, check: archiveOk }, ['archive', 'schedule_prune', 'check', 'offsite', 'drill']));
    expect(calls).toEqual([]);
    expect(recorded(ctx)).toEqual(['archive=failed', 'schedule_prune=skipped (prune skipped: this run created no archive)']);
    expect(r.problems).toEqual(['broken', 'prune skipped: this run created no archive']);
  });

  it('copies off-site after an archive and a passed check; a failed check (or repository check) copies nothing, said', async () => {
    for (const [checkRow, order] of [['check', ['archive', 'check', 'offsite']], ['check_repository', ['check_repository', 'archive', 'offsite']]] as const) {
      const calls: string[] = [];
      const ok = hostContext({ archives: 'always', offsite: true });
      await runNightly(ok, features(calls), realRows({ archive: archiveOk, [checkRow]: async () => ({ status: 'ok' }) }, [...order]));
      expect(calls).toEqual(['offsite']);
      const bad = hostContext({ archives: 'always', offsite: true });
      // check_repository runs when the repository is there and its check is due: its gate is the real one.
      const rows = realRows({ archive: archiveOk, [checkRow]: failing }, [...order]).map((row) => (row.name === 'check_repository' ? { ...row, gate: () => ({ run: true as const }) } : row));
      const r = await runNightly(bad, features(calls), rows);
      expect(calls).toEqual(['offsite']);
      expect(recorded(bad)).toContain("offsite=skipped (not copied off-site: tonight's check of the repository failed (a damaged repository is never copied))");
      expect(r.status).toBe('failed');
    }
  });

  it("a first night's repository that could not be created stops the archive, said", async () => {
    const ctx = hostContext();
    const rows = realRows({ create_repository: failing, archive: archiveOk }, ['create_repository', 'archive', 'drill']).map((row) => (row.name === 'create_repository' ? { ...row, gate: () => ({ run: true as const }) } : row));
    const r = await runNightly(ctx, features(), rows);
    expect(recorded(ctx)).toEqual(['create_repository=failed', 'archive=skipped (archive skipped: the repository could not be created (see create_repository))']);
    expect(r.archive).toBeUndefined();
  });

  it("a failed source row fails the source and keeps its last good state; keep_last_good runs for failed sources only", () => {
    for (const n of ['dump', 'pull', 'verify']) expect(sourceStep(n)).toMatchObject({ for: 'good', stops: 'source' });
    expect(sourceStep('keep_last_good')).toMatchObject({ for: 'failed', stops: 'nothing' });
    expect(NIGHTLY_STEPS.filter((s) => s.scope === 'source' && s.transfer).map((s) => s.name)).toEqual(['pull']);
    expect(NIGHTLY_STEPS.filter((s) => s.scope === 'host' && s.stops === 'rest').map((s) => s.name)).toEqual(['repository', 'connect']);
  });
});

describe('the nightly gates', () => {
  it('dump only for sources with dump:, verify only for database sources', () => {
    expect(sourceStep('dump').applies(db)).toBe(true);
    expect(sourceStep('dump').applies(src('data'))).toBe(false);
    expect(sourceStep('verify').applies(src('db2', { kind: 'database' }))).toBe(true);
    expect(sourceStep('verify').applies(src('blobs', { kind: 'blobs' }))).toBe(false);
  });

  it('skips every source of an unreachable host (recorded), and every source row once interrupted (silently)', () => {
    const n = night();
    const b = n.sources[1]!;
    expect(sourceStep('pull').gate(n, b)).toEqual({ run: true });
    expect(sourceStep('keep_last_good').gate(n, b)).toEqual({ run: true });
    n.unreachable = true;
    expect(sourceStep('pull').gate(n, b)).toEqual({ run: false, reason: 'host unreachable', silent: false });
    const stopped = night(true);
    expect(sourceStep('pull').gate(stopped, b)).toMatchObject({ run: false, silent: true });
    expect(sourceStep('keep_last_good').gate(stopped, b)).toMatchObject({ run: false, silent: true });
  });

  it('archives unless every source failed; owes a prune only after a night without failures, paid by the next night', () => {
    const n = night();
    expect(hostStep('archive').gate(n)).toEqual({ run: true });
    archived(n);
    expect(hostStep('schedule_prune').gate(n)).toEqual({ run: true });
    expect(hostStep('schedule_prune').gate(Object.assign(archived(night()), { repoPresent: false }))).toMatchObject({ run: false, silent: true });
    // A repository check that failed beside the pulls is a failure of the night: no prune owed (found by the soak).
    expect(hostStep('schedule_prune').gate(Object.assign(archived(night()), { checked: 'failed' }))).toMatchObject({ run: false, reason: 'prune skipped: the repository check failed tonight (prune runs only after a night without failures)' });
    n.sources[2]!.status = 'failed';
    expect(hostStep('archive').gate(n)).toEqual({ run: true });
    expect(hostStep('schedule_prune').gate(n)).toMatchObject({ run: false, reason: 'prune skipped: data failed tonight (prune runs only after a night without failures)' });
    for (const s of n.sources) s.status = 'failed';
    expect(hostStep('archive').gate(n)).toMatchObject({ run: false, reason: 'archive skipped: every source failed (no archive, no prune)' });
    expect(hostStep('archive').gate(night(true))).toMatchObject({ run: false, silent: true });
  });

  it('pays an owed prune at the start of a night whose repository is there', () => {
    const n = night();
    expect(hostStep('prune').gate(n)).toMatchObject({ run: false, silent: true });
    n.repoPresent = true;
    expect(hostStep('prune').gate(n)).toMatchObject({ run: false, silent: true });
    n.pruneOwed = true;
    expect(hostStep('prune').gate(n)).toEqual({ run: true });
    expect(hostStep('prune').gate(Object.assign(night(true), { repoPresent: true, pruneOwed: true })).run).toBe(false);
  });

  it('compacts only after a prune that freed enough; checks and the drill only when due', () => {
    const n = archived(night());
    expect(hostStep('compact').gate(n).run).toBe(false);
    n.pruned = true;
    expect(hostStep('compact').gate(n)).toEqual({ run: true });
    n.compact = { run: false, why: 'compact not needed: the prune freed 25 kB' };
    expect(hostStep('compact').gate(n)).toMatchObject({ run: false, reason: 'compact not needed: the prune freed 25 kB', silent: true });
    n.compact = { run: true, why: 'the prune freed 5 GB' };
    expect(hostStep('compact').gate(n)).toEqual({ run: true });
    expect(hostStep('check').gate(n).run).toBe(false);
    n.due.archives = true;
    expect(hostStep('check').gate(n)).toEqual({ run: true });
    expect(hostStep('drill').gate(n).run).toBe(false);
    n.due.drill = true;
    expect(hostStep('drill').gate(n)).toEqual({ run: true });
  });

  it('checks the repository while the sources are pulled when it exists; else after the first archive', () => {
    const n = night();
    n.due.repository = true;
    expect(hostStep('check_repository').gate(n)).toMatchObject({ run: false, silent: true });
    n.repoPresent = true;
    expect(hostStep('check_repository').gate(n)).toEqual({ run: true });
    expect(hostStep('check_repository').gate(Object.assign(night(true), { repoPresent: true })).run).toBe(false);
    // A first night: the repository check is left to the check row, after the archive created it.
    const first = archived(night());
    first.due.repository = true;
    expect(hostStep('check').gate(first)).toEqual({ run: true });
    first.checks.push('repository');
    expect(hostStep('check').gate(first).run).toBe(false);
  });

  it("creates a first night's repository while the sources are pulled", () => {
    const n = night();
    expect(hostStep('create_repository').gate(n)).toMatchObject({ run: false, silent: true });
    n.repoPresent = true;
    expect(hostStep('create_repository').gate(n)).toMatchObject({ run: false, silent: true });
    expect(hostStep('create_repository').gate(Object.assign(night(), { repoPresent: false }))).toEqual({ run: true });
    expect(hostStep('create_repository').gate(Object.assign(night(true), { repoPresent: false })).run).toBe(false);
  });

  it('copies off-site only when targets are configured and the night was not interrupted', () => {
    const withTargets = (n: NightState) => Object.assign(n, { offsite: true });
    expect(hostStep('offsite').gate(withTargets(archived(night())))).toEqual({ run: true });
    expect(hostStep('offsite').gate(archived(night()))).toMatchObject({ run: false, silent: true });
    expect(hostStep('offsite').gate(withTargets(archived(night(true))))).toMatchObject({ run: false, silent: true });
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

describe('the prune a night owes', () => {
  it('is not paid while the repository has an open failed check (found by the soak: retention kept the damaged archive and pruned the good one)', () => {
    const ctx = hostContext();
    const repo = hostRepo(ctx);
    expect(pruneOwed(ctx)).toBe(false);
    ctx.catalog.recordCheck(repo, 'prune-owed', 'main', 'ok');
    expect(pruneOwed(ctx)).toBe(true);
    recordCheckFailure(ctx.catalog, repo, 'repository', '', 'Segment entry checksum mismatch');
    expect(pruneOwed(ctx)).toBe(false);
    clearCheckFailure(ctx.catalog, repo, 'repository', '');
    expect(pruneOwed(ctx)).toBe(true);
  });
});

describe('a prune owed before a failed night', () => {
  it('is void: retention runs only right after a night without failures (found by the soak: a refused night, then the owed prune deleted the last good archive)', () => {
    const ctx = hostContext();
    const repo = hostRepo(ctx);
    ctx.catalog.recordCheck(repo, 'prune-owed', 'main', 'ok', new Date(Date.now() - 60_000));
    expect(pruneOwed(ctx)).toBe(true);
    // A later night of this host that was refused: recorded failed.
    const refused = ctx.catalog.startRun('run', {});
    ctx.catalog.finishHost(ctx.catalog.startHost(refused, 'main'), 'failed', undefined, 'configuration refused');
    expect(pruneOwed(ctx)).toBe(false);
    // Another host's failed night does not void it.
    const other = hostContext();
    other.catalog.recordCheck(hostRepo(other), 'prune-owed', 'main', 'ok', new Date(Date.now() - 60_000));
    const r = other.catalog.startRun('run', {});
    other.catalog.finishHost(other.catalog.startHost(r, 'elsewhere'), 'failed');
    expect(pruneOwed(other)).toBe(true);
  });
});

describe('a prune owed by a night that then failed', () => {
  it('is void: the owing night records it before its checks end, and its own failure counts (found by the soak, seed 101 night 56: a night that refused a future-dated dump owed a prune that deleted the last OK archive)', () => {
    const ctx = hostContext();
    const repo = hostRepo(ctx);
    const r = ctx.catalog.startRun('run', {});
    const h = ctx.catalog.startHost(r, 'main');
    ctx.catalog.recordCheck(repo, 'prune-owed', 'main', 'ok');
    expect(pruneOwed(ctx)).toBe(true);
    ctx.catalog.finishHost(h, 'failed', undefined, 'dump refused');
    expect(pruneOwed(ctx)).toBe(false);
  });

  it('is not owed at all by a night that refused a dump (schedule_prune)', () => {
    const n = Object.assign(night(), { repoPresent: true });
    expect(hostStep('schedule_prune').gate(n).run).toBe(true);
    n.sources[0]!.refusedDumps = ['app-20271207.pgdump'];
    expect(hostStep('schedule_prune').gate(n).run).toBe(false);
  });
});

describe('the prune an earlier night owes, paid tonight', () => {
  /** The repository row finds the repository; the prune is owed (the catalog says so); tonight's repository check is due. */
  async function payNight(bodies: Record<string, HostStep['run']>) {
    const ctx = hostContext();
    ctx.catalog.recordCheck(hostRepo(ctx), 'prune-owed', 'main', 'ok', new Date(Date.now() - 60_000));
    const ran: string[] = [];
    const note = (name: string, out: StepOutcome<unknown>): HostStep['run'] => async () => (ran.push(name), out);
    const rows = realRows(
      {
        repository: async (_c, n) => ((n.repoPresent = true), { status: 'ok' }),
        compare_archives: note('compare_archives', { status: 'ok' }),
        check_repository: note('check_repository', { status: 'ok' }),
        prune: note('prune', { status: 'ok' }),
        ...bodies,
      },
      ['repository', 'compare_archives', 'check_repository', 'prune', 'compact'],
    ).map((row) => (row.name === 'check_repository' ? { ...row, gate: () => ({ run: true as const }) } : row));
    const r = await runNightly(ctx, features(), rows);
    return { r, ran, recorded: recorded(ctx) };
  }

  it("waits for tonight's repository check: paid after it passed (found by the soak: the prune ran before the check that found fresh damage)", async () => {
    const { ran, recorded: rec } = await payNight({});
    expect(ran).toEqual(['compare_archives', 'check_repository', 'prune']);
    expect(rec).toEqual(['repository=ok', 'compare_archives=ok', 'check_repository=ok', 'prune=ok']);
  });

  it("is not paid when tonight's repository check failed: skipped and said", async () => {
    const { r, ran, recorded: rec } = await payNight({ check_repository: failing });
    expect(ran).toEqual(['compare_archives']);
    expect(rec).toContain("prune=skipped (prune skipped: tonight's repository check failed (retention never runs over damage; it runs again after a night without failures))");
    expect(rec.some((x) => x.startsWith('compact'))).toBe(false);
    expect(r.status).toBe('failed');
  });

  it('is not paid when the archives pullback recorded are not all in the repository (a rollback): skipped and said', async () => {
    const { ran, recorded: rec } = await payNight({ compare_archives: failing });
    expect(ran).toEqual(['check_repository']);
    expect(rec).toContain('prune=skipped (prune skipped: the repository does not hold every archive pullback recorded, or could not be compared with the catalog (compare_archives): nothing is deleted or compacted until that is resolved)');
  });

  it('is paid when no repository check is due tonight (the night before passed its own, and no damage is open: pruneOwed)', async () => {
    const ctx = hostContext();
    ctx.catalog.recordCheck(hostRepo(ctx), 'prune-owed', 'main', 'ok', new Date(Date.now() - 60_000));
    const ran: string[] = [];
    const rows = realRows({ repository: async (_c, n) => ((n.repoPresent = true), { status: 'ok' }), compare_archives: async () => ({ status: 'ok' }), prune: async () => (ran.push('prune'), { status: 'ok' }) }, ['repository', 'compare_archives', 'check_repository', 'prune']);
    await runNightly(ctx, features(), rows);
    expect(ran).toEqual(['prune']);
    expect(recorded(ctx)).toEqual(['repository=ok', 'compare_archives=ok', 'prune=ok']);
  });
});
