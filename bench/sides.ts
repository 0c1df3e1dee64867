// The two sides of every figure. The baseline is the shell pipeline operators run today, done
// honestly: sequential `rsync -a --delete` of every source of every host into one directory, one
// `borg create`, `borg prune`, `borg check`. pullback is the built CLI, its own CPU and peak RSS
// read by a preload (self-usage.cjs) at its exit.
import { execa } from 'execa';
import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_PATH, REPO_ROOT, makeTempDir, type TestConfig } from '../test/harness/index.js';

export interface BenchHost {
  name: string;
  server: { address: string; port: number; user: string };
  sources: Array<{ name: string; path: string }>;
}

export interface Usage {
  seconds: number;
  selfCpuS?: number;
  childrenCpuS?: number;
  peakRssMiB?: number;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

async function must(file: string, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<void> {
  const r = await execa(file, args, { reject: false, cwd: opts.cwd, env: opts.env, stdin: 'ignore', all: true });
  // borg exit 1 is a warning (e.g. a file changed while read): the pipeline goes on, as a script would.
  if (r.exitCode !== 0 && !(file === 'borg' && r.exitCode === 1)) throw new Error(`${file} ${args.join(' ')} exited ${r.exitCode}:\n${r.all}`);
}

/** A baseline installation: one mirror directory, one repository, borg's own default cache. */
export class Baseline {
  readonly dir = makeTempDir('pullback-bench-baseline-');
  readonly mirror = join(this.dir, 'mirror');
  readonly repo = join(this.dir, 'repo');
  private night = 0;
  constructor(
    private readonly cfg: Pick<TestConfig, 'identityFile' | 'knownHostsPath' | 'passphraseFile'>,
    readonly compression: string,
    /** rsync's copy flags: the scripts' `-a`, or (figure 3b) the metadata pullback's pull copies. */
    readonly rsyncFlags: readonly string[] = ['-a'],
  ) {}

  get env(): Record<string, string> {
    return { ...(process.env as Record<string, string>), BORG_PASSCOMMAND: `cat ${this.cfg.passphraseFile}`, BORG_BASE_DIR: join(this.dir, 'home'), BORG_EXIT_CODES: 'legacy' };
  }

  async init(): Promise<void> {
    mkdirSync(this.mirror, { recursive: true });
    await must('borg', ['init', '--encryption', 'repokey-blake2', this.repo], { env: this.env });
  }

  private ssh(port: number): string {
    return `ssh -i ${this.cfg.identityFile} -p ${port} -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=${this.cfg.knownHostsPath}`;
  }

  async pull(hosts: BenchHost[]): Promise<void> {
    for (const h of hosts) {
      for (const s of h.sources) {
        const dest = join(this.mirror, h.name, s.name);
        mkdirSync(dest, { recursive: true });
        await must('rsync', [...this.rsyncFlags, '--delete', '-e', this.ssh(h.server.port), `${h.server.address}:${s.path}/`, `${dest}/`]);
      }
    }
  }

  async create(): Promise<void> {
    this.night++;
    await must('borg', ['create', '--compression', this.compression, `${this.repo}::night-${this.night}`, '.'], { cwd: this.mirror, env: this.env });
  }

  async prune(): Promise<void> {
    await must('borg', ['prune', '--keep-daily', '7', '--keep-weekly', '4', '--keep-monthly', '6', this.repo], { env: this.env });
  }

  async check(): Promise<void> {
    await must('borg', ['check', this.repo], { env: this.env });
  }

  /** The whole night: pulls, create, prune, check. */
  nightly(hosts: BenchHost[]): Promise<number> {
    return timed(async () => {
      await this.pull(hosts);
      await this.create();
      await this.prune();
      await this.check();
    });
  }

  /** Bare rsync + borg create (figure 3's baseline). */
  bare(hosts: BenchHost[]): Promise<number> {
    return timed(async () => {
      await this.pull(hosts);
      await this.create();
    });
  }

  /** Restore by hand: borg extract of the host's folder from the last archive, rsync push of each source. */
  /** How long the last restore's `borg extract` took (s): what pullback's extraction ahead is compared with. */
  lastExtractS = NaN;

  restore(h: BenchHost): Promise<number> {
    const into = join(this.dir, 'extract');
    return timed(async () => {
      rmSync(into, { recursive: true, force: true });
      mkdirSync(into, { recursive: true });
      this.lastExtractS = await timed(() => must('borg', ['extract', `${this.repo}::night-${this.night}`, h.name], { cwd: into, env: this.env }));
      for (const s of h.sources) await must('rsync', ['-a', '--delete', '-e', this.ssh(h.server.port), `${join(into, h.name, s.name)}/`, `${h.server.address}:${s.path}/`]);
      rmSync(into, { recursive: true, force: true });
    });
  }
}

/** Runs `pullback ARGS` (the built CLI, or another build's `cli`) and measures it; throws with its output when it fails. */
export async function pullback(cfg: TestConfig, args: string[], cli = CLI_PATH): Promise<Usage & { stdout: string; startedAt: number }> {
  const usageFile = join(cfg.dir, 'usage.json');
  rmSync(usageFile, { force: true });
  let r: Awaited<ReturnType<typeof execa>> | undefined;
  const t0 = Date.now();
  const seconds = await timed(async () => {
    r = await execa(process.execPath, ['--require', join(REPO_ROOT, 'bench', 'self-usage.cjs'), cli, '--config', cfg.configPath, '--log-level', 'warn', ...args], {
      reject: false,
      stdin: 'ignore',
      env: { ...process.env, PULLBACK_BENCH_USAGE: usageFile, NO_COLOR: '1', PULLBACK_CONFIG: undefined },
      extendEnv: false,
    });
  });
  if (r!.exitCode !== 0) throw new Error(`pullback ${args.join(' ')} exited ${r!.exitCode}:\n${String(r!.stdout)}\n${String(r!.stderr)}`);
  const u = JSON.parse(readFileSync(usageFile, 'utf8')) as Omit<Usage, 'seconds'>;
  if (process.env.BENCH_STEPS && args[0] === 'run') process.stderr.write(stepTimes(cfg));
  if (process.env.BENCH_STEPS && args[0] === 'restore') process.stderr.write(restoreStepTimes(cfg) + commandTimes(cfg, t0));
  return { seconds, ...u, stdout: String(r!.stdout), startedAt: t0 };
}

/** Seconds per step of the last run, from the catalog (BENCH_STEPS=1: where the time went). */
function stepTimes(cfg: TestConfig): string {
  const db = new Database(join(cfg.stateDir, 'catalog.db'), { readonly: true });
  try {
    const rows = db
      .prepare('SELECT host, step, source, started_at, ended_at FROM steps WHERE run_id = (SELECT max(run_id) FROM steps) ORDER BY id')
      .all() as Array<{ host: string; step: string; source: string | null; started_at: string; ended_at: string | null }>;
    const t0 = Math.min(...rows.map((r) => Date.parse(r.started_at)));
    return rows
      .map((r) => `  ${r.host} ${r.step}${r.source ? `/${r.source}` : ''}: +${((Date.parse(r.started_at) - t0) / 1000).toFixed(1)} s, ${r.ended_at ? ((Date.parse(r.ended_at) - Date.parse(r.started_at)) / 1000).toFixed(1) : '?'} s\n`)
      .join('');
  } finally {
    db.close();
  }
}

/** Seconds per step of the last restore (BENCH_STEPS=1). */
function restoreStepTimes(cfg: TestConfig): string {
  const db = new Database(join(cfg.stateDir, 'catalog.db'), { readonly: true });
  try {
    const r = db.prepare('SELECT id, started_at, ended_at FROM restores ORDER BY id DESC LIMIT 1').get() as { id: number; started_at: string; ended_at: string };
    const rows = db.prepare('SELECT kind, source, started_at, ended_at FROM restore_steps WHERE restore_id = ? ORDER BY ord').all(r.id) as Array<{ kind: string; source: string | null; started_at: string | null; ended_at: string | null }>;
    const t0 = Date.parse(r.started_at);
    const at = (t: string | null) => (t ? ((Date.parse(t) - t0) / 1000).toFixed(1) : '?');
    return [`  restore: ${at(r.ended_at)} s in all\n`, ...rows.map((x) => `  restore ${x.kind}${x.source ? `/${x.source}` : ''}: +${at(x.started_at)} s to +${at(x.ended_at)} s\n`)].join('');
  } finally {
    db.close();
  }
}

/** An external command a run logged: what it was, when it began and ended (ms after the run's start). */
export interface Logged {
  cmd: string;
  start: number;
  end: number;
}

/** Every external command of the run started at `t0` (epoch ms), from the state directory's log (it keeps debug lines), in the order they began. */
export function loggedCommands(cfg: TestConfig, t0: number): Logged[] {
  const dir = join(cfg.stateDir, 'logs');
  const out: Logged[] = [];
  for (const name of readdirSync(dir).sort()) {
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
      if (!line.includes('"command finished"')) continue;
      const e = JSON.parse(line) as { time: number; durationMs: number; cmd: string | string[] };
      if (e.time < t0) continue;
      out.push({ cmd: (Array.isArray(e.cmd) ? e.cmd.join(' ') : String(e.cmd)).replace(/\s+/g, ' '), start: e.time - e.durationMs - t0, end: e.time - t0 });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

/** The commands of the run started at `t0`, one line each (BENCH_STEPS=1). */
function commandTimes(cfg: TestConfig, t0: number): string {
  return loggedCommands(cfg, t0)
    .map((c) => `    ${String(c.start).padStart(6)} ms to ${String(c.end).padStart(6)} ms  ${c.cmd.slice(0, 110)}\n`)
    .join('');
}

/**
 * What a restore (started at `t0`) spent reading the archive back, in seconds: the extraction ahead
 * of what it pushes (every chunk read and MAC-verified: the readiness checklist waits for it), how
 * much of it came after the plan's own reads of the archive ended (what the wait adds), and the
 * safety snapshot's read back; or a dry run's `borg extract --dry-run` of the same paths.
 */
export function restoreReadBack(cfg: TestConfig, t0: number): { extractS?: number; afterPlanS?: number; snapshotReadS?: number; dryRunReadS?: number } {
  const ran = loggedCommands(cfg, t0);
  const s = (ms: number) => ms / 1000;
  // The plan's reads: the archive listing, its item listing and its manifest, all begun before the first rsync (the checklist's listings of the target).
  const rsync = ran.find((c) => c.cmd.startsWith('rsync '));
  const planReads = ran.filter((c) => (c.cmd.startsWith('borg list ') || c.cmd.includes('manifest.json')) && (!rsync || c.start < rsync.start));
  // The extraction ahead (one borg extract, or several readers: from the first's start to the last's end).
  const readers = ran.filter((c) => c.cmd.startsWith('borg extract ') && !c.cmd.includes('--dry-run') && !c.cmd.includes('manifest.json'));
  const extract = readers.length ? { start: Math.min(...readers.map((c) => c.start)), end: Math.max(...readers.map((c) => c.end)) } : undefined;
  const reads = ran.filter((c) => c.cmd.startsWith('borg extract ') && c.cmd.includes('--dry-run'));
  const snapshotRead = reads.find((c) => c.cmd.includes('-pre-restore-'));
  const dryRead = reads.find((c) => !c.cmd.includes('-pre-restore-'));
  const planEnd = Math.max(...planReads.map((c) => c.end));
  return {
    extractS: extract && s(extract.end - extract.start),
    afterPlanS: extract && s(Math.max(0, extract.end - planEnd)),
    snapshotReadS: snapshotRead && s(snapshotRead.end - snapshotRead.start),
    dryRunReadS: dryRead && s(dryRead.end - dryRead.start),
  };
}

/** Moves every check's last run back a day: the next run is the next night, with the checks due on their cadence. */
export function nextNight(cfg: TestConfig): void {
  const db = new Database(join(cfg.stateDir, 'catalog.db'));
  try {
    const rows = db.prepare('SELECT rowid, last_run_at FROM check_history').all() as Array<{ rowid: number; last_run_at: string }>;
    const upd = db.prepare('UPDATE check_history SET last_run_at = ? WHERE rowid = ?');
    for (const r of rows) upd.run(new Date(Date.parse(r.last_run_at) - 24 * 3600_000).toISOString(), r.rowid);
  } finally {
    db.close();
  }
}

/** Median of the samples. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
