// scripts/bench: every figure of issue 12 in one invocation, both sides alternated and repeated,
// medians compared. BENCH_SCALE=small|full, BENCH_JSON=FILE, BENCH_OUT=FILE (the printed table),
// BENCH_FIGURES=1,2,... (a subset, for a closer look). Absolute times move with the machine's load;
// the ratios are what to compare between commits.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'vitest';
import { makeTempDir, runBorg, startSshd, writeKnownHosts, writeTestConfig, clientKey, type SshdServer, type TestConfig } from '../test/harness/index.js';
import { DEFAULTS } from '../src/config/defaults.js';
import { utcStamp } from '../src/util/stamp.js';
import { SIZES, changeOnePercent, emptyDir, writeBlobs, writeDump, writeTextFiles, type Scale } from './data.js';
import { Baseline, median, nextNight, pullback, restoreReadBack, type BenchHost, type Usage } from './sides.js';

const scale = (process.env.BENCH_SCALE ?? 'small') as Scale;
const sizes = SIZES[scale];
const only = process.env.BENCH_FIGURES ? process.env.BENCH_FIGURES.split(',') : undefined;
/** Figure `n` (a number, or '6a'/'6b': '6' is both) is wanted by --figures. */
const wanted = (n: number | string) => !only || only.includes(String(n)) || (typeof n === 'string' && only.includes(n.replace(/[a-z]$/, '')));
/** BENCH_FILES=1000000 runs figure 6b at these sizes only (e.g. the 1M-file figure on its own). */
const scaling = process.env.BENCH_FILES ? process.env.BENCH_FILES.split(',').map(Number) : sizes.scaling;
const out: string[] = [];
const json: { scale: Scale; started: string; cpus: number; load: number[][]; figures: unknown[] } = { scale, started: new Date().toISOString(), cpus: cpus().length, load: [], figures: [] };

function say(line: string): void {
  out.push(line);
  process.stderr.write(`${line}\n`);
  if (process.env.BENCH_OUT) appendFileSync(process.env.BENCH_OUT, `${line}\n`);
}
const note = (line: string) => process.stderr.write(`bench: ${line}\n`);
const mib = (bytes: number) => (bytes / 1048576).toFixed(1);

/** Bytes on disk under `dir` (du: what the repository really takes). */
function duBytes(dir: string): number {
  return Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
}
const f = (s: number) => s.toFixed(2);

function figure(name: string, p: number[], b: number[], extra: Record<string, unknown> = {}): number {
  const mp = median(p);
  const mb = median(b);
  const ratio = mp / mb;
  say(`${name}: pullback ${f(mp)} s, baseline ${f(mb)} s, ratio ${ratio.toFixed(2)}${extra.target ? ` (target <= ${String(extra.target)})` : ''}`);
  json.figures.push({ name, pullback: p, baseline: b, pullbackMedian: mp, baselineMedian: mb, ratio, ...extra });
  json.load.push(loadavg());
  return ratio;
}

/** Runs `sides` `reps` times, the order rotated each time, after `before(rep)`. */
async function alternate(reps: number, sides: Array<() => Promise<void>>, before?: (rep: number) => void | Promise<void>): Promise<void> {
  for (let rep = 0; rep < reps; rep++) {
    await before?.(rep);
    for (let i = 0; i < sides.length; i++) await sides[(i + rep) % sides.length]!();
  }
}

interface Main {
  host: BenchHost;
  server: SshdServer;
  root: string;
  night: number;
}

const SOURCES_OF = { dumps: 'data', blobs: 'blobs', data: 'data', files: 'data' } as const;

async function mainServer(name: string, fill: (root: string) => string[]): Promise<Main> {
  const server = await startSshd();
  const root = makeTempDir(`pullback-bench-${name}-`);
  const sources = fill(root).map((s) => ({ name: s, path: join(root, s) }));
  return { host: { name, server, sources }, server, root, night: 0 };
}

/** A main server of figures 1, 2, 4 and 6: text files, blobs, a dump. */
function appServer(name: string): Promise<Main> {
  return mainServer(name, (root) => {
    writeTextFiles(join(root, 'data'), sizes.textFiles);
    writeBlobs(join(root, 'blobs'), name, sizes.blobMiB);
    writeDump(join(root, 'dumps'), name, sizes.dumpMiB, 0);
    return ['dumps', 'blobs', 'data'];
  });
}

/** A main server with one source of `n` small files. */
function filesServer(name: string, n: number): Promise<Main> {
  return mainServer(name, (root) => {
    writeTextFiles(join(root, 'files'), n, 8);
    return ['files'];
  });
}

const NIGHTLY_CHECKS = { repository: 'daily', archives: 'weekly', data: 'never', drill: 'never' };

async function config(mains: Main[], global: Record<string, unknown> = {}): Promise<TestConfig> {
  return writeTestConfig({
    hosts: mains.map((m) => ({ name: m.host.name, server: m.server, sources: m.host.sources.map((s) => ({ name: s.name, kind: SOURCES_OF[s.name as keyof typeof SOURCES_OF], path: s.path })) })),
    global: { concurrency: undefined, rsync: { timeout: '10m', attempts: 1 }, checks: NIGHTLY_CHECKS, ...global },
  });
}

/**
 * 7. `pullback find` over the large source's archives (1% of its files changed each night): the
 * first find builds the file index (each archive listed once), later ones answer from it; the
 * baseline is what a find without an index costs, `borg list --json-lines` of every archive per query.
 */
async function findFigure(cfg: TestConfig, many: Main): Promise<void> {
  const repo = cfg.repoPath('many');
  const archives = async () => (await runBorg(['list', '--short', '--glob-archives', 'many-*', repo], cfg.passphraseFile)).stdout.split('\n').filter((l) => /^many-\d{8}T\d{6}Z$/.test(l));
  // Earlier nights, one a day (the retention keeps one archive a day): archived with borg directly,
  // dated before the first night, 1% of the files changed between each.
  const have = (await archives()).length;
  note(`figure 7: ${sizes.findArchives - have} earlier archives of ${sizes.manyFiles} files`);
  for (let k = have; k < sizes.findArchives; k++) {
    many.night++;
    changeOnePercent(join(many.root, 'files'), sizes.manyFiles, many.night);
    const at = new Date(Date.now() - (sizes.findArchives - k) * 86_400_000);
    const r = await runBorg(['create', '--numeric-ids', '--timestamp', at.toISOString().slice(0, 19), `${repo}::many-${utcStamp(at)}`, 'files'], cfg.passphraseFile, many.root);
    if (r.exitCode !== 0) throw new Error(`borg create of an earlier night: ${r.stderr}`);
  }
  const names = await archives();
  // Files changed on some nights: each matched path has many versions to tell apart.
  const pattern = 'f1234*.csv';
  const first = await pullback(cfg, ['find', '--host', 'many', '--limit', '1000', pattern]);
  const p: number[] = [];
  const b: number[] = [];
  const glob = /^files\/d\d{4}\/f1234[^/]*\.csv$/;
  await alternate(sizes.reps, [
    async () => void p.push((await pullback(cfg, ['find', '--host', 'many', '--limit', '1000', pattern])).seconds),
    async () => {
      const t0 = Date.now();
      let hits = 0;
      for (const a of names) {
        const r = await runBorg(['list', '--json-lines', `${repo}::${a}`], cfg.passphraseFile);
        for (const l of r.stdout.split('\n')) if (l && glob.test((JSON.parse(l) as { path: string }).path)) hits++;
      }
      if (hits === 0) throw new Error('figure 7 baseline found nothing');
      b.push((Date.now() - t0) / 1000);
    },
  ]);
  figure(`7 find "${pattern}" across ${names.length} archives of ${sizes.manyFiles} files (indexed) vs borg list --json-lines of every archive`, p, b);
  // One more night (its prune removes the earlier archives beyond the retention): the next find indexes that archive alone.
  many.night++;
  changeOnePercent(join(many.root, 'files'), sizes.manyFiles, many.night);
  nextNight(cfg);
  await pullback(cfg, ['run', '--host', 'many']);
  const next = await pullback(cfg, ['find', '--host', 'many', '--limit', '1000', pattern]);
  const catalogBytes = duBytes(join(cfg.stateDir, 'catalog.db'));
  say(`7b file index: first find (every archive listed once and indexed) ${f(first.seconds)} s for ${names.length} archives; the find after one more night (that archive indexed) ${f(next.seconds)} s; catalog ${mib(catalogBytes)} MiB`);
  json.figures.push({ name: '7b file index', firstFindS: first.seconds, nextNightFindS: next.seconds, archives: names.length, files: sizes.manyFiles, catalogBytes });
}

test(`pullback bench (${scale})`, async () => {
  const started = Date.now();
  if (process.env.BENCH_OUT) writeFileSync(process.env.BENCH_OUT, '');
  say(`# scripts/bench --scale ${scale}, ${new Date().toISOString()}, ${cpus().length} CPUs, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const keys = { identityFile: (await clientKey()).privateKeyPath, knownHostsPath: join(makeTempDir('pullback-bench-keys-'), 'known_hosts'), passphraseFile: '' };
  keys.passphraseFile = join(keys.knownHostsPath, '..', 'pass');
  writeFileSync(keys.passphraseFile, `${randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
  const servers: SshdServer[] = [];
  const trust = () => writeKnownHosts(keys.knownHostsPath, servers);

  note('generating the main servers');
  const appsWanted = wanted(1) || wanted(2) || wanted(4) ? 2 : 0;
  const apps = await Promise.all(['a', 'b', 'c', 'd'].slice(0, Math.max(appsWanted, ...(wanted('6a') ? sizes.hostCounts : [0]))).map(appServer));
  servers.push(...apps.map((m) => m.server));
  trust();
  const two = apps.slice(0, 2);
  const change = (m: Main) => {
    m.night++;
    changeOnePercent(join(m.root, 'data'), sizes.textFiles, m.night);
    writeDump(join(m.root, 'dumps'), m.host.name, sizes.dumpMiB, m.night);
  };

  // 1. First full backup of 2 hosts.
  let base22: Baseline | undefined;
  let pb22: TestConfig | undefined;
  if (wanted(1) || wanted(2) || wanted(4)) {
    const b: number[] = [];
    const p22: number[] = [];
    const usage: Usage[] = [];
    // The compressions the default is chosen from: time of the same first backup, and repository size.
    const sweep = ['auto,zstd,3', 'auto,zstd,10', 'lz4'];
    const swept = new Map(sweep.map((c) => [c, { seconds: [] as number[], bytes: [] as number[] }]));
    const sweepSides = sweep.map((c) => async () => {
      if (!wanted(1)) return;
      const cfg = await config(two, { repository: { compression: c } });
      swept.get(c)!.seconds.push((await pullback(cfg, ['run'])).seconds);
      swept.get(c)!.bytes.push(two.reduce((n, m) => n + duBytes(cfg.repoPath(m.host.name)), 0));
      rmSync(cfg.dir, { recursive: true, force: true });
    });
    let bytes22 = 0;
    note('figure 1: first full backup of 2 hosts');
    await alternate(wanted(1) ? sizes.reps : 1, [
      async () => {
        if (base22) rmSync(base22.dir, { recursive: true, force: true });
        base22 = new Baseline(keys, 'zstd,22');
        await base22.init();
        b.push(await base22.nightly(two.map((m) => m.host)));
      },
      async () => {
        if (pb22) rmSync(pb22.dir, { recursive: true, force: true });
        pb22 = await config(two, { repository: { compression: 'zstd,22' } });
        const u = await pullback(pb22, ['run']);
        p22.push(u.seconds);
        usage.push(u);
        bytes22 = two.reduce((n, m) => n + duBytes(pb22!.repoPath(m.host.name)), 0);
      },
      ...sweepSides,
    ]);
    if (wanted(1)) {
      figure('1a first full backup, 2 hosts, zstd,22 both', p22, b, { target: 0.6 });
      const def = swept.get(DEFAULTS.compression);
      if (def) figure(`1b first full backup, 2 hosts, pullback default (${DEFAULTS.compression}) vs pipeline zstd,22`, def.seconds, b);
      say(`1c compression, first full backup of 2 hosts (pullback): zstd,22 ${f(median(p22))} s ${mib(bytes22)} MiB; ${sweep.map((c) => `${c} ${f(median(swept.get(c)!.seconds))} s ${mib(median(swept.get(c)!.bytes))} MiB`).join('; ')}`);
      json.figures.push({ name: '1c compression', zstd22: { seconds: p22, bytes: bytes22 }, ...Object.fromEntries(swept) });
    }
  }

  // 2. Nightly incremental after 1% of files changed and one new dump.
  if (wanted(2) || wanted(4)) {
    const b: number[] = [];
    const p: number[] = [];
    note('figure 2: nightly incremental');
    await alternate(
      wanted(2) ? sizes.reps : 1,
      [async () => void b.push(await base22!.nightly(two.map((m) => m.host))), async () => void p.push((await pullback(pb22!, ['run'])).seconds)],
      () => {
        two.forEach(change);
        nextNight(pb22!);
      },
    );
    if (wanted(2)) figure('2 nightly incremental, 1% changed + a new dump, zstd,22 both', p, b, { target: 0.8 });
  }

  // 4. Restore of one host after its data was lost.
  if (wanted(4)) {
    const b: number[] = [];
    const p: number[] = [];
    const a = two[0]!;
    note('figure 4: restore of one host');
    const lose = () => a.host.sources.forEach((s) => emptyDir(s.path));
    const reads: Array<ReturnType<typeof restoreReadBack>> = [];
    // BENCH_OTHER_CLI=PATH: another build's CLI (an earlier commit's dist/cli/main.js) as a third side, under the same load.
    const other = process.env.BENCH_OTHER_CLI;
    const o: number[] = [];
    const baseExtract: number[] = [];
    await alternate(sizes.reps, [
      async () => {
        lose();
        b.push(await base22!.restore(a.host));
        baseExtract.push(base22!.lastExtractS);
      },
      ...(other
        ? [
            async () => {
              lose();
              o.push((await pullback(pb22!, ['restore', '--host', a.host.name, '--yes'], other)).seconds);
            },
          ]
        : []),
      async () => {
        lose();
        const r = await pullback(pb22!, ['restore', '--host', a.host.name, '--yes']);
        p.push(r.seconds);
        // Not timed into the figure: a dry run reads the same chunks back with borg extract --dry-run.
        const dry = await pullback(pb22!, ['restore', '--host', a.host.name, '--dry-run']);
        reads.push({ ...restoreReadBack(pb22!, r.startedAt), dryRunReadS: restoreReadBack(pb22!, dry.startedAt).dryRunReadS });
      },
    ]);
    const readBack = {
      extractS: reads.map((x) => x.extractS ?? NaN),
      afterPlanS: reads.map((x) => x.afterPlanS ?? NaN),
      snapshotReadS: reads.map((x) => x.snapshotReadS ?? NaN),
      dryRunReadS: reads.map((x) => x.dryRunReadS ?? NaN),
      baselineExtractS: baseExtract,
    };
    figure('4 restore of one host (dumps, blobs, data) after losing its data', p, b, { target: 1.1, readBack });
    if (other) figure(`4o the same restore by ${other}`, o, b, { target: 1.1 });
    say(
      `4r the restore's read back (medians): every chunk it pushes, extracted ahead and verified ${f(median(readBack.extractS))} s, of which ${f(median(readBack.afterPlanS))} s after the plan's reads (the checklist waits for it); ` +
        `the safety snapshot read back ${f(median(readBack.snapshotReadS))} s; a dry run's borg extract --dry-run of the same paths ${f(median(readBack.dryRunReadS))} s; the baseline's borg extract ${f(median(baseExtract))} s`,
    );
  }
  for (const x of [base22, pb22]) if (x) rmSync(x.dir, { recursive: true, force: true });

  // 3. Nothing changed on a large source; 5. drill of 50 files, large archive against a small one.
  if (wanted(3) || wanted(5) || wanted(7)) {
    note(`figures 3 and 5: generating ${sizes.manyFiles} and ${sizes.fewFiles} files`);
    const many = await filesServer('many', sizes.manyFiles);
    const few = await filesServer('few', sizes.fewFiles);
    servers.push(many.server, few.server);
    trust();
    const cfg = await config([many, few]);
    const base = new Baseline(keys, DEFAULTS.compression);
    await base.init();
    note('figures 3 and 5: first backups');
    const first = await pullback(cfg, ['run']);
    if (wanted(3)) await base.bare([many.host]);
    if (wanted(3)) {
      // 3b: the same night against a pipeline that copies the metadata pullback's pull copies (hard
      // links, ACLs, xattrs, numeric ids): what the exact copy costs, apart from the orchestration.
      const exact = new Baseline(keys, DEFAULTS.compression, ['-aHAX', '--numeric-ids']);
      await exact.init();
      await exact.bare([many.host]);
      const b: number[] = [];
      const bx: number[] = [];
      const p: number[] = [];
      await alternate(
        sizes.reps,
        [
          async () => void b.push(await base.bare([many.host])),
          async () => void p.push((await pullback(cfg, ['run', '--host', 'many'])).seconds),
          async () => void bx.push(await exact.bare([many.host])),
        ],
        () => nextNight(cfg),
      );
      figure(`3 nothing changed, ${sizes.manyFiles} files, vs bare rsync + borg create`, p, b, { target: 1.2, firstRun: first.seconds });
      figure(`3b nothing changed, ${sizes.manyFiles} files, vs bare rsync -aHAX --numeric-ids + borg create (the metadata pullback copies)`, p, bx);
      rmSync(exact.dir, { recursive: true, force: true });
    }
    if (wanted(5)) {
      const pm: number[] = [];
      const pf: number[] = [];
      let usage: Usage | undefined;
      await alternate(sizes.reps, [
        async () => {
          const u = await pullback(cfg, ['drill', '--host', 'many', '--sample', '50', '--archive', 'latest']);
          pm.push(u.seconds);
          usage = u;
        },
        async () => void pf.push((await pullback(cfg, ['drill', '--host', 'few', '--sample', '50', '--archive', 'latest'])).seconds),
      ]);
      figure(`5 drill of 50 files: ${sizes.manyFiles}-file archive (pullback) vs ${sizes.fewFiles}-file archive (baseline)`, pm, pf, { target: 3, nodePeakRssMiB: usage?.peakRssMiB });
    }
    if (wanted(7)) await findFigure(cfg, many);
    rmSync(cfg.dir, { recursive: true, force: true });
    rmSync(base.dir, { recursive: true, force: true });
    for (const m of [many, few]) rmSync(m.root, { recursive: true, force: true });
  }

  // 6. Scaling: full backup of 1, 2, 4 hosts; nightly and the node process at 10k, 100k, 1M files.
  if (wanted('6a')) {
    for (const n of sizes.hostCounts) {
      const hosts = apps.slice(0, n);
      const b: number[] = [];
      const p: number[] = [];
      note(`figure 6: full backup of ${n} host(s)`);
      await alternate(sizes.reps, [
        async () => {
          const base = new Baseline(keys, DEFAULTS.compression);
          await base.init();
          b.push(await base.nightly(hosts.map((m) => m.host)));
          rmSync(base.dir, { recursive: true, force: true });
        },
        async () => {
          const cfg = await config(hosts);
          p.push((await pullback(cfg, ['run'])).seconds);
          rmSync(cfg.dir, { recursive: true, force: true });
        },
      ]);
      figure(`6a full backup, ${n} host(s), default compression both`, p, b);
    }
  }
  if (wanted('6b')) {
    for (const n of scaling) {
      note(`figure 6: ${n} files in one source`);
      const m = await filesServer(`n${n}`, n);
      servers.push(m.server);
      trust();
      const cfg = await config([m], { checks: { ...NIGHTLY_CHECKS, drill: 'daily' } });
      const base = new Baseline(keys, DEFAULTS.compression);
      await base.init();
      const firstP = await pullback(cfg, ['run']);
      const firstB = await base.bare([m.host]);
      const b: number[] = [];
      const p: number[] = [];
      const usage: Usage[] = [firstP];
      await alternate(
        scale === 'full' && n >= 1_000_000 ? 1 : sizes.reps,
        [
          async () => void b.push(await base.bare([m.host])),
          async () => {
            const u = await pullback(cfg, ['run']);
            p.push(u.seconds);
            usage.push(u);
          },
        ],
        (rep) => {
          changeOnePercent(join(m.root, 'files'), n, rep + 1);
          nextNight(cfg);
        },
      );
      const self = Math.max(...usage.map((u) => u.selfCpuS ?? 0));
      const share = Math.max(...usage.map((u) => (u.selfCpuS ?? 0) / ((u.selfCpuS ?? 0) + (u.childrenCpuS ?? 0))));
      const rss = Math.max(...usage.map((u) => u.peakRssMiB ?? 0));
      figure(`6b nightly (1% changed, drill of 50 due), ${n} files, vs bare rsync + borg create`, p, b, { firstRun: { pullback: firstP.seconds, baseline: firstB } });
      say(`6c node process at ${n} files: peak RSS ${rss.toFixed(1)} MiB (target <= 150), own CPU ${self.toFixed(2)} s, ${(share * 100).toFixed(1)}% of the run's CPU (target <= 5%); first full backup: pullback ${f(firstP.seconds)} s, baseline ${f(firstB)} s`);
      json.figures.push({ name: `6c node ${n}`, files: n, peakRssMiB: rss, selfCpuS: self, cpuShare: share, usage });
      rmSync(cfg.dir, { recursive: true, force: true });
      rmSync(base.dir, { recursive: true, force: true });
      rmSync(m.root, { recursive: true, force: true });
    }
  }

  say(`# finished in ${((Date.now() - started) / 60000).toFixed(1)} min, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  if (process.env.BENCH_JSON) {
    mkdirSync(join(process.env.BENCH_JSON, '..'), { recursive: true });
    writeFileSync(process.env.BENCH_JSON, `${JSON.stringify({ ...json, finished: new Date().toISOString(), lines: out }, null, 2)}\n`);
  }
});
