// The soak's world: one real main server (harness sshd) with blobs, data, a PostgreSQL database
// and a MariaDB database dumped by the nightly, and another PostgreSQL database whose "cron" (the
// soak) writes dumps into a dump directory, the
// repository on a small tmpfs, its pullback configuration, the pullback CLI it drives (SOAK_PULLBACK:
// another checkout's), the seeded randomness, and the state the invariants follow (docs/soak.md).
import { appendFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import {
  CLI_PATH,
  REPO_ROOT,
  borgList,
  runBorg,
  createMariaDatabase,
  createPgDatabase,
  mariadb,
  makeTempDir,
  mountTmpfs,
  MARIA,
  PG,
  processesMentioning,
  psql,
  registerPid,
  snapshotTree,
  startSshd,
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
/** The pullback checkout driven (scripts/soak --pullback DIR), or undefined for this tree's. */
export const PULLBACK_DIR = process.env.SOAK_PULLBACK ? resolve(process.env.SOAK_PULLBACK) : undefined;
const PULLBACK_CLI = PULLBACK_DIR ? join(PULLBACK_DIR, 'dist', 'cli', 'main.js') : CLI_PATH;
/** The command that replays this soak up to night `n`. */
export const replay = (n: number) => `${process.env.SOAK_FAULTS ? `SOAK_FAULTS=${process.env.SOAK_FAULTS} ` : ''}scripts/soak --nights ${n} --seed ${SEED}${PULLBACK_DIR ? ` --pullback ${PULLBACK_DIR}` : ''}`;
/** The host's max_age (status must not be green once the newest archive is older): SOAK_MAX_AGE seconds, default 30. */
export const MAX_AGE_S = Number(process.env.SOAK_MAX_AGE ?? 30);
/** The repository's filesystem (a tmpfs, so a fault can fill it). */
const REPO_FS_SIZE = '64m';

/** A line of the summary (SOAK_OUT, printed by scripts/soak at the end). */
export function say(line: string): void {
  if (process.env.SOAK_OUT) appendFileSync(process.env.SOAK_OUT, `${line}\n`);
  else process.stderr.write(`${line}\n`);
}
/** A progress line on stderr. */
export const note = (line: string) => process.stderr.write(`soak: ${line}\n`);

/** mulberry32: the soak's only source of randomness, so a seed replays the same nights. */
export function rng(seed: number): () => number {
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
  /** The rows of the database the nightly dumps. */
  rows: Record<string, TableFingerprint>;
  /** The rows of the database the server's cron dumps (as of its newest dump). */
  cronRows: Record<string, TableFingerprint>;
  /** The rows of the MariaDB database the nightly dumps (mariadb-dump, as pullback's MariaDB sources). */
  mariaRows: Record<string, TableFingerprint>;
  /** Data paths that changed while the night pulled (changing-files): each may hold any of these SHA-256 ('absent': missing). */
  loose?: Record<string, string[]>;
}

export interface Result {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The signal the soak sent while it ran (it may have handled it and exited). */
  signalled?: string;
  /** The signal it died of, when the soak's signal killed it. */
  killed?: string;
  /** It ran past its time limit and was killed. */
  timedOut?: boolean;
  /** Its wall time. */
  ms: number;
}

/** Where the soak's time goes: milliseconds per kind of work, summed (printed at the end). */
export const spent = new Map<string, number>();
export async function timed<T>(what: string, work: Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    return await work;
  } finally {
    spent.set(what, (spent.get(what) ?? 0) + Date.now() - t0);
  }
}

export type Kill = { signal: 'SIGKILL' | 'SIGTERM'; afterMs: number };

export interface CliOptions {
  kill?: Kill;
  /** Time limit (default 300 s); a command past it is killed and reported timedOut. */
  timeoutMs?: number;
  /** Called with pullback's pid once it started. */
  onStart?: (pid: number) => void;
}

/** The pullback under test does not know this command or option (an older checkout): exit 2 naming it unknown. */
export const unsupported = (r: Result) => r.exitCode === 2 && /\bunknown (command|option)\b/.test(r.stderr);

/** What the night's report must say about one command (invariant 4). */
export interface PendingReport {
  what: string;
  exitCode: number;
  runIds: number[];
  failedSteps: Array<{ run_id: number; step: string; source: string | null; status: string; error: string | null }>;
  restoreIds: number[];
}

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
  /** A killed restore changed the target and neither its rollback nor a full restore finished OK since. */
  get restoreInterrupted(): boolean {
    return this.interrupted.some((i) => i.changed);
  }
  /** The last night exited 0 (its retention may run in the next night). */
  lastRunOk = false;
  /** When the newest archive appeared (after the command that made it ended), ms since the epoch. */
  lastArchiveAt: number | undefined;
  /**
   * The killed restores not resolved yet, oldest first, each with its catalog id, the target just
   * before it, whether it changed the target (the target after the kill differed from `was`: the
   * restore that changed it is the one blamed, not a later one killed on the already changed target),
   * its failed rollbacks in a row, and whether damage was injected into the repository since (which
   * may have hit its safety snapshot: the newest segments hold the snapshot's own data). The
   * operator rolls back the newest first.
   */
  interrupted: Array<{ id: number; was: Origin; changed: boolean; failedRollbacks: number; damagedSince?: boolean }> = [];
  /** Killed commands' catalog rows: the next night must not leave them 'running'. */
  killedRows: Array<{ table: 'runs' | 'restores'; id: number; what: string }> = [];
  /** Commands of this night whose rows the report must name. */
  readonly pendingReport: PendingReport[] = [];
  /** Commands the soak skipped because the pullback under test does not know them. */
  readonly unsupported = new Map<string, number>();
  count(map: Map<string, number>, key: string): void {
    map.set(key, (map.get(key) ?? 0) + 1);
  }
}

export interface World {
  server: SshdServer;
  blobs: string;
  data: string;
  dumps: string;
  /** The dump directory the server's cron fills (pg_dump of cronDb). */
  cronDumps: string;
  cronDb: string;
  /** The tmpfs the repository is on. */
  repoFs: string;
  /** Where faults put things aside (a folder's real contents while it is a symlink, a mass deletion). */
  aside: string;
  /** The PostgreSQL database the nightly dumps. */
  db: string;
  /** The MariaDB database (127.0.0.1:3306) the nightly dumps: unique per soak, dropped at its end. */
  mariaDb: string;
  /** Where the nightly writes the MariaDB dumps on the server. */
  mariaDumps: string;
  cfg: TestConfig;
  repo: string;
  /** Runs pullback; with `kill`, sends that signal after `afterMs`. */
  cli(args: string[], opts?: CliOptions): Promise<Result>;
  /** The server's cron: a pg_dump of cronDb into cronDumps (custom format), keeping the two newest. */
  cronDump(night: number): Promise<string>;
  /** The dumps in cronDumps, oldest first. */
  cronFiles(): string[];
  /** What a night archives now: the files and the db as they are, the cron source as its newest dump holds it. */
  origin(): Promise<Origin>;
  /** The target as it is now (every database live): what a killed restore or a rollback is compared with. */
  live(): Promise<Origin>;
  /** The nightly archives in the repository, or undefined when borg cannot list it. */
  listArchives(): Promise<string[] | undefined>;
  /** The repository's segment files, oldest first. */
  segments(): string[];
  /** Waits until nothing started by a killed pullback (borg, rsync, ssh) still touches the repository or the sources. */
  settle(): Promise<void>;
  /**
   * Once the repository exists: its max_segment_size set to 8 MiB (borg config). borg keeps a whole
   * segment free once ten segments wait for compaction (500 MiB by default), which the small tmpfs
   * the repository is on would never have.
   */
  tuneRepo(): Promise<void>;
  /** The day's ordinary changes on the main server: a new file, a changed one, a deleted one, new rows. */
  dayOfWork(night: number): Promise<void>;
  /**
   * Runs `sql` in the MariaDB database as its application would: the database and its `items` table
   * created first if missing. pullback replaces a MariaDB database by dropping, re-creating and
   * restoring it (there is no RENAME DATABASE): a restore killed in it leaves it part-restored, or
   * gone, until a restore or its rollback ends (seed 7, night 9: the day's INSERT met no `items`).
   */
  mariaWork(sql: string): Promise<void>;
}

/** Starts the main server, writes its sources and the configuration. */
export async function makeWorld(): Promise<World> {
  const server = await startSshd();
  const root = makeTempDir('pullback-soak-main-');
  const blobs = join(root, 'blobs');
  const data = join(root, 'data');
  const dumps = join(root, 'dumps');
  const mariaDumps = join(root, 'maria-dumps');
  const aside = makeTempDir('pullback-soak-aside-');
  for (const d of [blobs, data, dumps, mariaDumps]) mkdirSync(d, { recursive: true });
  for (let i = 0; i < 8; i++) writeFileSync(join(blobs, `blob-${i}.bin`), Buffer.from(Array.from({ length: 20_000 }, () => int(256))));
  for (let i = 0; i < 30; i++) writeFileSync(join(data, `note-${i}.txt`), `note ${i} ${random()}\n`.repeat(20));
  mkdirSync(join(data, 'sub'), { recursive: true });
  writeFileSync(join(data, 'sub', 'deep.txt'), 'deep\n');
  const db = await createPgDatabase('pbsoak');
  await psql(db, `CREATE TABLE items (id int PRIMARY KEY, label text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 200) g;`);
  const cronDumps = join(root, 'cron-dumps');
  mkdirSync(cronDumps);
  const cronDb = await createPgDatabase('pbsoakcron');
  await psql(cronDb, `CREATE TABLE orders (id int PRIMARY KEY, what text); INSERT INTO orders SELECT g, 'order ' || g FROM generate_series(1, 100) g;`);
  // Dropped when the soak ends (the harness's cleanup, as the PostgreSQL ones).
  const mariaDb = await createMariaDatabase('pbsoakmaria');
  const mariaWork = async (sql: string) => {
    await mariadb(undefined, `CREATE DATABASE IF NOT EXISTS ${myIdent(mariaDb)}; USE ${myIdent(mariaDb)}; CREATE TABLE IF NOT EXISTS items (id int PRIMARY KEY, label text); ${sql}`);
  };
  await mariaWork(mariaInsert('items', 'label', 0, 150, 'item'));
  const cfg: TestConfig = await writeTestConfig({
    hosts: [
      {
        name: HOST,
        server,
        sources: [
          { name: 'db', kind: 'database', path: dumps, dump: { engine: 'postgres', databases: [db], connection: { host: '127.0.0.1', port: 5432, user: 'postgres' }, keep: 2 } },
          { name: 'cron', kind: 'database', path: cronDumps, database: cronDb },
          { name: 'maria', kind: 'database', path: mariaDumps, dump: { engine: 'mariadb', databases: [mariaDb], connection: { host: MARIA.host, port: MARIA.port, user: MARIA.user }, keep: 2 } },
          { name: 'blobs', kind: 'blobs', path: blobs },
          { name: 'data', kind: 'data', path: data },
        ],
        override: { max_age: `${MAX_AGE_S}s` },
      },
    ],
  });
  const repo = cfg.repoPath(HOST);
  const repoFs = join(cfg.dir, 'borg');
  mountTmpfs(repoFs, REPO_FS_SIZE);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, PULLBACK_CONFIG: undefined, NO_COLOR: '1' })) if (v !== undefined) env[k] = v;

  async function cli(args: string[], opts: CliOptions = {}): Promise<Result> {
    const t0 = Date.now();
    const child = execa(process.execPath, [PULLBACK_CLI, '--config', cfg.configPath, ...args], { reject: false, env, extendEnv: false, cwd: REPO_ROOT, stdin: 'ignore', timeout: opts.timeoutMs ?? 300_000 });
    const unregister = child.pid !== undefined ? registerPid(child.pid) : () => undefined;
    if (child.pid !== undefined) opts.onStart?.(child.pid);
    let signalled: string | undefined;
    const kill = opts.kill;
    const timer = kill ? setTimeout(() => { signalled = kill.signal; child.kill(kill.signal); }, kill.afterMs) : undefined;
    const r = await timed(`pullback ${args[0] === 'repo' ? args.slice(0, 2).join(' ') : args[0]}`, child);
    if (timer) clearTimeout(timer);
    unregister();
    return {
      exitCode: r.exitCode ?? -1,
      stdout: r.stdout,
      stderr: r.stderr,
      ...(signalled ? { signalled } : {}),
      ...(signalled && r.signal === signalled ? { killed: signalled } : {}),
      ...(r.timedOut ? { timedOut: true } : {}),
      ms: Date.now() - t0,
    };
  }
  // The rows the newest cron dump holds: what a restore of the cron source brings back. Not the live
  // database at the night's start: a restore killed before the night may have swapped in an older
  // copy after the day's dump (seed 202, night 78: the soak expected that older copy's 467 rows from
  // an archive whose dump held 479).
  let cronRowsAtDump: Record<string, TableFingerprint> = {};
  async function cronDump(night: number): Promise<string> {
    const file = join(cronDumps, `${cronDb}-night${String(night).padStart(4, '0')}.pgdump`);
    await execa('pg_dump', ['-h', PG.host, '-p', String(PG.port), '-U', PG.user, '--format=custom', `--file=${file}`, cronDb]);
    // Nothing else writes the cron database: the rows right after the dump are the dump's.
    cronRowsAtDump = await fingerprints(cronDb);
    const all = cronFiles();
    for (const f of all.slice(0, Math.max(0, all.length - 2))) rmSync(f);
    return file;
  }
  /** The sources as they are now, with the cron source's rows from `cronRows` (the dump's or the live ones). */
  const snapshot = (cronRows: () => Promise<Record<string, TableFingerprint>>): Promise<Origin> =>
    timed('origin snapshots', (async () => {
      const [rows, cron, maria] = await Promise.all([fingerprints(db), cronRows(), mariaFingerprints(mariaDb)]);
      return { blobs: snapshotTree(blobs), data: snapshotTree(data), rows, cronRows: cron, mariaRows: maria };
    })());
  let tuned = false;
  const cronFiles = () => readdirSync(cronDumps).filter((f) => f.endsWith('.pgdump')).sort().map((f) => join(cronDumps, f));

  return {
    server,
    blobs,
    data,
    dumps,
    cronDumps,
    cronDb,
    repoFs,
    aside,
    db,
    mariaDb,
    mariaDumps,
    cfg,
    repo,
    cli,
    cronDump,
    cronFiles,
    async tuneRepo() {
      if (tuned || !existsSync(join(repo, 'config'))) return;
      await runBorg(['config', repo, 'max_segment_size', String(8 * 1024 * 1024)], cfg.passphraseFile);
      tuned = true;
    },
    origin: () => snapshot(async () => cronRowsAtDump),
    live: () => snapshot(() => fingerprints(cronDb)),
    async listArchives() {
      try {
        return (await timed('borg list', borgList(repo, cfg.passphraseFile))).filter((a) => !a.includes('-pre-restore-'));
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
    dayOfWork: (night: number) => timed('day of work', dayOfWork(night)),
    mariaWork,
  };
  async function dayOfWork(night: number): Promise<void> {
    writeFileSync(join(data, `day-${night}.txt`), `written on night ${night} ${random()}\n`);
    const notes = readdirSync(data).filter((f) => f.endsWith('.txt'));
    if (notes.length > 0) appendFileSync(join(data, pick(notes)), `changed on night ${night}\n`);
    const left = readdirSync(data).filter((f) => f.startsWith('day-'));
    if (left.length > 3) rmSync(join(data, pick(left)));
    writeFileSync(join(blobs, `blob-night-${night}.bin`), Buffer.from(Array.from({ length: 5000 }, () => int(256))));
    await psql(db, `INSERT INTO items SELECT g, 'night ${night}' FROM generate_series((SELECT coalesce(max(id), 0) + 1 FROM items), (SELECT coalesce(max(id), 0) + ${1 + int(20)} FROM items)) g;`);
    await psql(cronDb, `INSERT INTO orders SELECT g, 'night ${night}' FROM generate_series((SELECT coalesce(max(id), 0) + 1 FROM orders), (SELECT coalesce(max(id), 0) + ${1 + int(10)} FROM orders)) g;`);
    // A number of rows from the night, not from random(): the seed draws the same nights as before the MariaDB source.
    await mariaWork(mariaInsert('items', 'label', undefined, 1 + ((night * 7) % 13), `night ${night}`));
    await cronDump(night);
  }
}

/**
 * Every table's row count and a digest of its rows ordered by their text form (like the harness's
 * tableFingerprints, in two psql calls however many tables a schema change added).
 */
export async function fingerprints(db: string): Promise<Record<string, TableFingerprint>> {
  const tables = (await psql(db, "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1;")).split('\n').filter((l) => l);
  if (tables.length === 0) return {};
  const sql = tables.map((t) => `SELECT ${quoteLiteral(t)}, count(*), coalesce(md5(string_agg(x::text, E'\\n' ORDER BY x::text)), '') FROM ${t} x`).join(' UNION ALL ') + ' ORDER BY 1;';
  const out: Record<string, TableFingerprint> = {};
  for (const line of (await psql(db, sql)).split('\n').filter((l) => l)) {
    const [t, n, digest] = line.split('\t');
    out[t!] = { rows: Number(n), sha256: digest! };
  }
  return out;
}
const quoteLiteral = (s: string) => `'${s.replaceAll("'", "''")}'`;
const myIdent = (s: string) => `\`${s.replaceAll('`', '``')}\``;

/**
 * SQL inserting `n` rows into MariaDB table `table` (id int, one text column `col`): ids after
 * `from` (undefined: after the table's largest id), the text `${what} ${id}`.
 */
export function mariaInsert(table: string, col: string, from: number | undefined, n: number, what: string): string {
  const start = from === undefined ? `(SELECT COALESCE(MAX(id), 0) FROM \`${table}\`)` : String(from);
  return `SET @pb_from = ${start}; INSERT INTO \`${table}\` (id, \`${col}\`) WITH RECURSIVE s(n) AS (SELECT @pb_from + 1 UNION ALL SELECT n + 1 FROM s WHERE n < @pb_from + ${n}) SELECT n, CONCAT(${quoteLiteral(`${what} `)}, n) FROM s;`;
}

/**
 * The MariaDB side of `fingerprints`: every base table's row count and an MD5 of its rows (each
 * column QUOTE()d, so NULL is not ''), ordered by that text; two client calls however many tables
 * a schema change added.
 */
export async function mariaFingerprints(db: string): Promise<Record<string, TableFingerprint>> {
  // No database selected: a restore killed between its DROP and CREATE DATABASE leaves none (no tables, then).
  const cols = await mariadb(
    undefined,
    `SET SESSION group_concat_max_len = 1048576; SELECT c.table_name, GROUP_CONCAT(CONCAT('QUOTE(\`', REPLACE(c.column_name, '\`', '\`\`'), '\`)') ORDER BY c.ordinal_position SEPARATOR ', ') FROM information_schema.columns c JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name WHERE c.table_schema = ${quoteLiteral(db)} AND t.table_type = 'BASE TABLE' GROUP BY c.table_name ORDER BY c.table_name;`,
  );
  const tables = cols.split('\n').filter((l) => l).map((l) => l.split('\t') as [string, string]);
  if (tables.length === 0) return {};
  const one = ([t, c]: [string, string]) => `SELECT ${quoteLiteral(t)}, COUNT(*), COALESCE(MD5(GROUP_CONCAT(CONCAT_WS(',', ${c}) ORDER BY CONCAT_WS(',', ${c}) SEPARATOR '\\n')), '') FROM ${myIdent(db)}.${myIdent(t)}`;
  const out: Record<string, TableFingerprint> = {};
  for (const line of (await mariadb(undefined, `SET SESSION group_concat_max_len = 4294967295; ${tables.map(one).join(' UNION ALL ')} ORDER BY 1;`)).split('\n').filter((l) => l)) {
    const [t, n, digest] = line.split('\t');
    out[t!] = { rows: Number(n), sha256: digest! };
  }
  return out;
}
