// The fault menu: what the soak does to the world before a night, or while it runs (docs/soak.md,
// "The fault menu").
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, cpSync, existsSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, statfsSync, statSync, symlinkSync, truncateSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { psql } from '../test/harness/index.js';
import { command, killedRestore, restorable } from './actions.js';
import { filesDiffer, rowsDiffer, show } from './invariants.js';
import { descendants, programOf, signal, watch, type Watch } from './procs.js';
import { HOST, SEED, int, mariaInsert, note, pick, random, rng, type Kill, type Origin, type SoakState, type World } from './world.js';

export const FAULTS = [
  'none',
  'flip-segment-bytes',
  'truncate-last-segment',
  'delete-repo-index',
  'symlinked-root',
  'future-mtime',
  'past-mtime',
  'mass-deletion',
  'sigkill-run',
  'sigterm-run',
  'db-schema-change',
  'passphrase-0644',
  'full-repo-disk',
  'sigkill-restore',
  'sigterm-restore',
  'sigkill-drill',
  'sigterm-drill',
  'killed-ssh-session',
  'killed-nightly-dump',
  'truncated-cron-dump',
  'future-cron-dump',
  'changing-files',
  'stalled-server',
  'moved-repository',
] as const;
export type Fault = (typeof FAULTS)[number];

/** Faults after which the night must not exit 0 (invariant 4); others say so in their `after` when they landed. */
export const MUST_FAIL: ReadonlySet<Fault> = new Set(['symlinked-root', 'passphrase-0644', 'flip-segment-bytes', 'truncate-last-segment', 'truncated-cron-dump', 'future-cron-dump', 'moved-repository']);

export interface Injection {
  /** Undone after the night. */
  undo?: () => void;
  /** The signal sent to the night's `pullback run`. */
  kill?: Kill;
  /** Why the fault could not be injected this night (nothing to damage yet). */
  skipped?: string;
  /** Started with the night (given its pid): acts while it runs; stopped once it ended. */
  during?: (pid: number) => Watch;
  /** After the night, before undo: whether it landed so that the night must fail, what happened, a violation. */
  after?: () => { mustFail?: boolean; said?: string; violation?: string };
  /** Applied to the night's origin (changing-files: the versions each changed file had). */
  origin?: (o: Origin) => Origin;
  /** The night's time limit (a stalled server must make it fail, not hang). */
  timeoutMs?: number;
}

/** Fills the filesystem of `dir` to the last block (a big file, then small ones until ENOSPC); returns the files. */
function fillDisk(dir: string): string[] {
  const files: string[] = [];
  const big = join(dir, '.soak-filler');
  // borg may be writing there meanwhile (the fault fires during borg create): the free space can
  // shrink between the look and fallocate, so a refused size is tried again smaller (seed 202, night 134).
  for (let tries = 0; tries < 8; tries++) {
    const st = statfsSync(dir);
    const free = Number(st.bavail) * Number(st.bsize) - tries * 1024 * 1024;
    if (free <= 0) break;
    try {
      execFileSync('fallocate', ['-l', String(free), big], { stdio: 'ignore' });
      files.push(big);
      break;
    } catch {
      // ENOSPC: smaller next time; the small files below fill what is left either way.
    }
  }
  for (let i = 0; i < 4096; i++) {
    const f = join(dir, `.soak-filler-${i}`);
    try {
      writeFileSync(f, Buffer.alloc(4096));
      files.push(f);
    } catch {
      files.push(f);
      break;
    }
  }
  return files;
}
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** Injects `fault` before the night. */
export async function inject(world: World, state: SoakState, fault: Fault): Promise<Injection> {
  const { data, aside, repo, cfg } = world;
  switch (fault) {
    case 'none':
      return {};
    case 'flip-segment-bytes': {
      // Only committed segments (numbered up to the transaction of borg's index.N): segments above
      // it are a lost or failed transaction's leftovers, which borg never reads and the next night
      // removes (seed 101, night 184: bytes flipped in one after an accepted rollback harmed nothing).
      const last = (existsSync(world.repo) ? readdirSync(world.repo) : []).filter((f) => /^index\.\d+$/.test(f)).map((f) => Number(f.slice(6)));
      const committed = last.length > 0 ? Math.max(...last) : Infinity;
      const segs = world.segments().filter((p) => statSync(p).size > 1000 && Number(basename(p)) <= committed);
      if (segs.length === 0) return { skipped: 'no committed segment yet' };
      const seg = segs[segs.length - 1 - int(Math.min(2, segs.length))]!;
      const size = statSync(seg).size;
      const at = 200 + int(size - 400);
      const fd = openSync(seg, 'r+');
      const buf = Buffer.alloc(16);
      readSync(fd, buf, 0, 16, at);
      for (let i = 0; i < 16; i++) buf[i] = buf[i]! ^ 0xff;
      writeSync(fd, buf, 0, 16, at);
      closeSync(fd);
      state.damage = 'corrupt';
      for (const i of state.interrupted) i.damagedSince = true;
      note(`flipped 16 bytes at ${at} of ${seg}`);
      return {};
    }
    case 'truncate-last-segment': {
      const segs = world.segments();
      if (segs.length === 0) return { skipped: 'no segment yet' };
      const seg = segs.at(-1)!;
      const size = statSync(seg).size;
      truncateSync(seg, Math.floor(size / 2));
      if (state.damage === 'none') state.damage = 'rolled-back';
      for (const i of state.interrupted) i.damagedSince = true;
      note(`truncated ${seg} from ${size} to ${Math.floor(size / 2)} bytes`);
      return {};
    }
    case 'delete-repo-index': {
      const idx = existsSync(repo) ? readdirSync(repo).filter((f) => /^index\.\d+$/.test(f)) : [];
      if (idx.length === 0) return { skipped: 'no index yet' };
      for (const f of idx) rmSync(join(repo, f));
      return {};
    }
    case 'symlinked-root': {
      const elsewhere = join(aside, 'elsewhere');
      mkdirSync(elsewhere, { recursive: true });
      writeFileSync(join(elsewhere, 'not-data.txt'), 'this is not the data folder\n');
      renameSync(data, join(aside, 'data-real'));
      symlinkSync(elsewhere, data);
      return { undo: () => { rmSync(data); renameSync(join(aside, 'data-real'), data); } };
    }
    case 'future-mtime': {
      const notes = readdirSync(data).filter((f) => f.endsWith('.txt'));
      const when = new Date(Date.now() + 365 * 86400_000);
      utimesSync(join(data, pick(notes)), when, when);
      return {};
    }
    case 'past-mtime': {
      const notes = readdirSync(data).filter((f) => f.endsWith('.txt'));
      const when = new Date('2001-02-03T04:05:06Z');
      utimesSync(join(data, pick(notes)), when, when);
      return {};
    }
    case 'mass-deletion': {
      const moved = join(aside, 'mass-deleted');
      rmSync(moved, { recursive: true, force: true });
      cpSync(data, moved, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
      for (const f of readdirSync(data)) rmSync(join(data, f), { recursive: true });
      return { undo: () => { rmSync(data, { recursive: true }); renameSync(moved, data); } };
    }
    case 'sigkill-run':
      return { kill: { signal: 'SIGKILL', afterMs: 200 + int(2800) } };
    case 'sigterm-run':
      return { kill: { signal: 'SIGTERM', afterMs: 200 + int(2800) } };
    case 'db-schema-change': {
      // The same change in both nightly-dumped databases (one draw: the seed keeps its nights).
      const n = 1 + int(50);
      await psql(world.db, `CREATE TABLE extra_${state.night} (id int PRIMARY KEY, note text); INSERT INTO extra_${state.night} SELECT g, 'n' FROM generate_series(1, ${n}) g;`);
      await world.mariaWork(`CREATE TABLE extra_${state.night} (id int PRIMARY KEY, note text); ${mariaInsert(`extra_${state.night}`, 'note', 0, n, 'n')}`);
      return {};
    }
    case 'passphrase-0644':
      chmodSync(cfg.passphraseFile, 0o644);
      return { undo: () => chmodSync(cfg.passphraseFile, 0o600) };
    case 'full-repo-disk': {
      // The repository's tmpfs filled to the last block: before the night (the disk preflight or borg
      // must refuse it), or once borg create runs (borg's write or commit fails, or it finished first).
      let files: string[] = [];
      const free = () => files.forEach((f) => rmSync(f, { force: true }));
      if (random() < 0.5) {
        files = fillDisk(world.repoFs);
        return { undo: free, after: () => ({ mustFail: true, said: 'the repository disk was full before the night' }) };
      }
      let filledWhileCreating = false;
      return {
        during: (pid) =>
          watch(pid, (procs) => {
            if (!procs.some((p) => programOf(p) === 'borg' && p.argv.includes('create'))) return false;
            files = fillDisk(world.repoFs);
            filledWhileCreating = true;
            return true;
          }),
        after: () => ({ said: filledWhileCreating ? 'the repository disk filled up while borg create ran' : 'borg create never ran: the disk was not filled' }),
        undo: free,
      };
    }
    case 'sigkill-restore':
    case 'sigterm-restore':
      note(`  before the night: ${await killedRestore(world, state, fault === 'sigkill-restore' ? 'SIGKILL' : 'SIGTERM')}`);
      return {};
    case 'sigkill-drill':
    case 'sigterm-drill': {
      // A drill must never touch the origin, even killed half-way.
      if (!restorable(state)) return { skipped: 'no archive to drill' };
      const sig = fault === 'sigkill-drill' ? 'SIGKILL' : 'SIGTERM';
      const was = await world.live();
      const x = await command(world, state, 'drill', ['drill', '--host', HOST], { kill: { signal: sig, afterMs: 200 + int(2800) } });
      await world.settle();
      state.checks++;
      const diffs = [...filesDiffer(world, was), ...(await rowsDiffer(world, was))];
      note(`  before the night: drill ${x.signalled ? `got ${sig}${x.killed ? ' (died of it)' : ` (exit ${x.exitCode})`}` : `finished before the ${sig}, exit ${x.exitCode}`}`);
      if (diffs.length > 0) return { after: () => ({ violation: `a drill that got ${sig} changed the origin:\n${diffs.slice(0, 20).join('\n')}\n${show(x)}` }) };
      return {};
    }
    case 'killed-ssh-session': {
      // The sshd child serving the k-th rsync of the night is SIGKILLed mid-pull (the connection drops).
      const k = 1 + int(3);
      const seen = new Set<number>();
      let said = `the night ran fewer than ${k} rsync: no session killed`;
      return {
        during: () =>
          watch(world.server.pid!, (procs) => {
            for (const p of procs.filter((q) => programOf(q) === 'rsync' && !seen.has(q.pid))) {
              seen.add(p.pid);
              if (seen.size < k) continue;
              const sshd = procs.find((q) => q.pid === p.ppid && programOf(q).startsWith('sshd'));
              if (sshd && signal(sshd.pid, 'SIGKILL')) said = `killed sshd ${sshd.pid}, the session serving rsync #${k} (${p.argv.slice(0, 4).join(' ')}...)`;
              return true;
            }
            return false;
          }, 3),
        after: () => ({ said }),
      };
    }
    case 'killed-nightly-dump': {
      // The nightly pg_dump on the server is SIGKILLed while it writes: the dump fails half-way.
      let landed = false;
      return {
        during: () =>
          watch(world.server.pid!, (procs) => {
            const dump = procs.find((p) => programOf(p) === 'pg_dump' && !p.argv.includes('--version'));
            if (!dump) return false;
            landed = signal(dump.pid, 'SIGKILL');
            return landed;
          }, 2),
        after: () => ({ mustFail: landed, said: landed ? 'the nightly pg_dump was killed half-way' : 'no pg_dump caught running: nothing killed' }),
      };
    }
    case 'truncated-cron-dump': {
      // The server's cron dump died half-way: its newest dump file is cut to half, under its final name.
      const newest = world.cronFiles().at(-1);
      if (!newest) return { skipped: 'no cron dump' };
      truncateSync(newest, Math.floor(statSync(newest).size / 2));
      return { undo: () => rmSync(newest, { force: true }) };
    }
    case 'future-cron-dump': {
      // The server's clock was a year ahead for one dump: the older cron dump dated next year (the newest is right).
      const files = world.cronFiles();
      const older = files.length > 1 ? files.at(-2)! : files.at(-1);
      if (!older) return { skipped: 'no cron dump' };
      const when = new Date(Date.now() + 365 * 86400_000);
      utimesSync(older, when, when);
      return { undo: () => rmSync(older, { force: true }) };
    }
    case 'changing-files': {
      // While the night runs, files of the data folder are replaced (atomically, by rename) and one appears and
      // disappears again and again. An OK night's archive may hold any version each had during the pull, never another.
      const churn = [0, 1, 2].map((i) => `churn-${i}.txt`);
      const flicker = 'churn-flicker.txt';
      const versions: Record<string, string[]> = {};
      const churnRandom = rng(SEED * 1000 + state.night);
      const put = (name: string, text: string) => {
        const tmp = join(aside, `.${name}.tmp`);
        writeFileSync(tmp, text);
        renameSync(tmp, join(data, name));
        (versions[name] ??= []).push(sha(text));
      };
      for (const name of churn) put(name, `first version of ${name} on night ${state.night}\n`);
      rmSync(join(data, flicker), { force: true });
      versions[flicker] = ['absent'];
      let n = 0;
      return {
        during: () => {
          let stopped = false;
          const loop = (async () => {
            while (!stopped) {
              n++;
              const which = Math.floor(churnRandom() * 4);
              if (which < 3) put(churn[which]!, `version ${n} of ${churn[which]} on night ${state.night}\n`.repeat(1 + Math.floor(churnRandom() * 200)));
              else if (existsSync(join(data, flicker))) {
                rmSync(join(data, flicker));
                versions[flicker]!.push('absent');
              } else put(flicker, `flicker ${n}\n`);
              await new Promise((r) => setTimeout(r, 10 + Math.floor(churnRandom() * 40)));
            }
          })();
          return { stop: async () => { stopped = true; await loop; } };
        },
        origin: (o) => ({ ...o, loose: versions }),
        after: () => ({ said: `${n} changes while the night ran` }),
      };
    }
    case 'stalled-server': {
      // The whole main server (sshd and everything it runs) stopped with SIGSTOP for a few seconds at a
      // seeded moment, then SIGCONT: ssh's timeouts make the night fail or wait it out, never hang.
      const at = 200 + int(2500);
      const forMs = 1000 + int(5000);
      let stopped: number[] = [];
      let said = 'the night ended before the stall';
      const resume = () => { for (const pid of stopped.reverse()) signal(pid, 'SIGCONT'); stopped = []; };
      return {
        during: () => {
          let timer: NodeJS.Timeout | undefined;
          let resumed: Promise<void> | undefined;
          timer = setTimeout(() => {
            timer = undefined;
            const root = world.server.pid!;
            if (signal(root, 'SIGSTOP')) stopped.push(root);
            for (let pass = 0; pass < 2; pass++) for (const p of descendants(root)) if (!stopped.includes(p.pid) && signal(p.pid, 'SIGSTOP')) stopped.push(p.pid);
            said = `the server (${stopped.length} processes) stopped ${(forMs / 1000).toFixed(1)} s at ${(at / 1000).toFixed(1)} s into the night`;
            resumed = new Promise((r) => setTimeout(() => { resume(); r(); }, forMs));
          }, at);
          return { stop: async () => { if (timer) clearTimeout(timer); await resumed; resume(); } };
        },
        after: () => ({ said }),
        // ssh's connect timeout is 5 s, rsync's I/O timeout 30 s (2 attempts): a night still running 3 minutes after the server resumed hangs.
        timeoutMs: at + forMs + 180_000,
      };
    }
    case 'moved-repository': {
      // The repository directory renamed (a wrong mount, a move): the night must fail red, not create a new empty repository there.
      if (!existsSync(repo)) return { skipped: 'no repository yet' };
      const moved = `${repo}.moved`;
      renameSync(repo, moved);
      return {
        after: () => (existsSync(repo) ? { violation: `the repository was moved away and the night left a new one at its path (${readdirSync(repo).join(', ')}) instead of failing` } : {}),
        undo: () => { rmSync(repo, { recursive: true, force: true }); renameSync(moved, repo); },
      };
    }
  }
}
