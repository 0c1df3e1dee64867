// The soak's world: one real main server (harness sshd) with blobs, data and a PostgreSQL database
// dumped by the nightly, its pullback configuration, the pullback CLI it drives, the seeded
// randomness, and the state the invariants follow from night to night (docs/soak.md).
import { appendFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import {
  CLI_PATH,
  REPO_ROOT,
  borgList,
  createPgDatabase,
  makeTempDir,
  processesMentioning,
  psql,
  registerPid,
  snapshotTree,
  startSshd,
  tableFingerprints,
  waitFor,
  writeTestConfig,
  type SshdServer,
  type TableFingerprint,
  type TestConfig,
  type TreeSnapshot,
} from '../test/harness/index.js';

export const NIGHTS = Number(process.env.SOAK_NIGHTS ?? 20);
export const SEED = Number(process.env.SOAK_SEED ?? 1);
export const HOST = 'main';

/** A line of the summary (SOAK_OUT, printed by scripts/soak at the end). */
export function say(line: string): void {
  if (process.env.SOAK_OUT) appendFileSync(process.env.SOAK_OUT, `${line}\n`);
  else process.stderr.write(`${line}\n`);
}
/** A progress line on stderr. */
export const note = (line: string) => process.stderr.write(`soak: ${line}\n`);

/** mulberry32: the soak's only source of randomness, so a seed replays the same nights. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
export const random = rng(SEED);
export const int = (n: number) => Math.floor(random() * n);
export const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;

export interface Origin {
  blobs: TreeSnapshot;
  data: TreeSnapshot;
  rows: Record<string, TableFingerprint>;
}

export interface Result {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The signal sent to it, when the soak killed it. */
  killed?: string;
}

export type Kill = { signal: 'SIGKILL' | 'SIGTERM'; afterMs: number };

/** What the invariants follow from step to step. */
export class SoakState {
  night = 0;
  step = '';
  checks = 0;
  readonly drawn = new Map<string, number>();
  readonly actions = new Map<string, number>();
  /** Per archive: the origin when it was made. */
  readonly archiveOrigin = new Map<string, Origin>();
  /** Archives from nights that exited 0 (invariant 3). */
  readonly okArchives = new Set<string>();
  /** The nightly archives borg listed last. */
  known: string[] = [];
  /** Damage injected and not yet repaired. */
  damage: 'none' | 'corrupt' | 'rolled-back' = 'none';
  okNights = 0;
  /** A killed restore changed the target and no full restore finished OK since. */
  restoreInterrupted = false;
  /** The last night exited 0 (its retention may run in the next night). */
  lastRunOk = false;
  count(map: Map<string, number>, key: string): void {
    map.set(key, (map.get(key) ?? 0) + 1);
  }
}

export interface World {
  server: SshdServer;
  blobs: string;
  data: string;
  dumps: string;
  /** Where faults put things aside (a folder's real contents while it is a symlink, a mass deletion). */
  aside: string;
  /** The PostgreSQL database the nightly dumps. */
  db: string;
  cfg: TestConfig;
  repo: string;
  /** Runs pullback; with `kill`, sends that signal after `afterMs`. */
  cli(args: string[], kill?: Kill): Promise<Result>;
  /** The sources as they are now. */
  origin(): Promise<Origin>;
  /** The nightly archives in the repository, or undefined when borg cannot list it. */
  listArchives(): Promise<string[] | undefined>;
  /** The repository's segment files, oldest first. */
  segments(): string[];
  /** Waits until nothing started by a killed pullback (borg, rsync, ssh) still touches the repository or the sources. */
  settle(): Promise<void>;
  /** The day's ordinary changes on the main server: a new file, a changed one, a deleted one, new rows. */
  dayOfWork(night: number): Promise<void>;
}

/** Starts the main server, writes its sources and the configuration. */
export async function makeWorld(): Promise<World> {
  const server = await startSshd();
  const root = makeTempDir('pullback-soak-main-');
  const blobs = join(root, 'blobs');
  const data = join(root, 'data');
  const dumps = join(root, 'dumps');
  const aside = makeTempDir('pullback-soak-aside-');
  for (const d of [blobs, data, dumps]) mkdirSync(d, { recursive: true });
  for (let i = 0; i < 8; i++) writeFileSync(join(blobs, `blob-${i}.bin`), Buffer.from(Array.from({ length: 20_000 }, () => int(256))));
  for (let i = 0; i < 30; i++) writeFileSync(join(data, `note-${i}.txt`), `note ${i} ${random()}\n`.repeat(20));
  mkdirSync(join(data, 'sub'), { recursive: true });
  writeFileSync(join(data, 'sub', 'deep.txt'), 'deep\n');
  const db = await createPgDatabase('pbsoak');
  await psql(db, `CREATE TABLE items (id int PRIMARY KEY, label text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 200) g;`);
  const cfg: TestConfig = await writeTestConfig({
    hosts: [
      {
        name: HOST,
        server,
        sources: [
          { name: 'db', kind: 'database', path: dumps, dump: { engine: 'postgres', databases: [db], connection: { host: '127.0.0.1', port: 5432, user: 'postgres' }, keep: 2 } },
          { name: 'blobs', kind: 'blobs', path: blobs },
          { name: 'data', kind: 'data', path: data },
        ],
      },
    ],
  });
  const repo = cfg.repoPath(HOST);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, PULLBACK_CONFIG: undefined, NO_COLOR: '1' })) if (v !== undefined) env[k] = v;

  async function cli(args: string[], kill?: Kill): Promise<Result> {
    const child = execa(process.execPath, [CLI_PATH, '--config', cfg.configPath, ...args], { reject: false, env, extendEnv: false, cwd: REPO_ROOT, stdin: 'ignore', timeout: 300_000 });
    const unregister = child.pid !== undefined ? registerPid(child.pid) : () => undefined;
    let killed: string | undefined;
    const timer = kill ? setTimeout(() => { killed = kill.signal; child.kill(kill.signal); }, kill.afterMs) : undefined;
    const r = await child;
    if (timer) clearTimeout(timer);
    unregister();
    if (r.timedOut) throw new Error(`pullback ${args.join(' ')} timed out`);
    return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr, killed: r.signal ? killed : undefined };
  }

  return {
    server,
    blobs,
    data,
    dumps,
    aside,
    db,
    cfg,
    repo,
    cli,
    origin: async () => ({ blobs: snapshotTree(blobs), data: snapshotTree(data), rows: await tableFingerprints('postgres', db) }),
    async listArchives() {
      try {
        return (await borgList(repo, cfg.passphraseFile)).filter((a) => !a.includes('-pre-restore-'));
      } catch {
        return undefined;
      }
    },
    segments() {
      const dir = join(repo, 'data');
      if (!existsSync(dir)) return [];
      return readdirSync(dir)
        .flatMap((d) => readdirSync(join(dir, d)).map((f) => join(dir, d, f)))
        .filter((p) => /\/\d+$/.test(p))
        .sort((a, b) => Number(a.split('/').at(-1)) - Number(b.split('/').at(-1)));
    },
    async settle() {
      await waitFor("the killed run's children to end", () => processesMentioning([repo, cfg.stateDir]).length === 0, 120_000);
    },
    async dayOfWork(night: number) {
      writeFileSync(join(data, `day-${night}.txt`), `written on night ${night} ${random()}\n`);
      const notes = readdirSync(data).filter((f) => f.endsWith('.txt'));
      if (notes.length > 0) appendFileSync(join(data, pick(notes)), `changed on night ${night}\n`);
      const left = readdirSync(data).filter((f) => f.startsWith('day-'));
      if (left.length > 3) rmSync(join(data, pick(left)));
      writeFileSync(join(blobs, `blob-night-${night}.bin`), Buffer.from(Array.from({ length: 5000 }, () => int(256))));
      await psql(db, `INSERT INTO items SELECT g, 'night ${night}' FROM generate_series((SELECT coalesce(max(id), 0) + 1 FROM items), (SELECT coalesce(max(id), 0) + ${1 + int(20)} FROM items)) g;`);
    },
  };
}
