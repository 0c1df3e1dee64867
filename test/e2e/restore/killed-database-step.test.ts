// A restore killed with SIGKILL after its safety snapshot, during its database step (real sshd,
// rsync, borg, PostgreSQL), as the soak kills one: the CLI's own process only, whatever it started
// left running. Then `restore --rollback ID --yes`, as pullback prints it, must put the target back
// (the database's rows, the folders) and exit 0 (soak seed 4242: a rollback of such a restore exited
// 1 night after night, without saying why). The only fake: a `pg_restore` wrapper first on the
// server's PATH that holds the load into the fresh database on a fifo (one shot, armed by a file),
// so the kill lands there without a race; released, it fails as a killed load would.
// What made that rollback fail: bytes flipped in the repository's newest segment, which held the
// snapshot's own data, then `check --repair`. The check's search for damaged files read the nightly
// archives only ("no unreadable file found"), the repair said it zero-filled no file, and the
// rollback then died on "archive ... has no readable .pullback/manifest.json". Now the check names
// the damaged snapshot, and the rollback says it cannot be read, that nothing was changed, and the
// full restore that puts the target in a known state (which resolves the interrupted restore).
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, constants, existsSync, openSync, readdirSync, readSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_PATH, createPgDatabase, makeTempDir, psql, registerPid, runCli, startSshd, waitFor } from '../../harness/index.js';
import { backedUp, catalogRestores, makeTrees, sources, type World } from './setup.js';

/** Room for a restore of a few dozen SSH commands on a busy 2-core machine. */
const SLOW_MS = 600_000;

let w: World;
let db: string;
let fifo: string;
let armed: string;
let held: string;

/** The repository's segment files, oldest first. */
function segments(): string[] {
  const dir = join(w.cfg.repoPath('main'), 'data');
  return readdirSync(dir)
    .flatMap((d) => readdirSync(join(dir, d)).map((f) => join(dir, d, f)))
    .filter((p) => /\/\d+$/.test(p))
    .sort((a, b) => Number(a.split('/').at(-1)) - Number(b.split('/').at(-1)));
}

/**
 * XORs 16 bytes every 64 bytes of the first half of `file`: the entries written first (the
 * snapshot's data chunks: its dumps, its manifest file) fail their checksum; the last ones (the
 * archive's metadata, the repository's manifest) stay readable, so the archive is still listed.
 */
function flipFirstHalf(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    const size = statSync(file).size;
    const buf = Buffer.alloc(16);
    for (let at = 16; at + 16 <= size / 2; at += 64) {
      readSync(fd, buf, 0, 16, at);
      for (let i = 0; i < 16; i++) buf[i] = buf[i]! ^ 0xff;
      writeSync(fd, buf, 0, 16, at);
    }
  } finally {
    closeSync(fd);
  }
}

/** Starts a restore, holds it in its database step's load, SIGKILLs the CLI alone there; returns the restore's id. */
async function killedInDatabaseStep(): Promise<number> {
  rmSync(held, { force: true });
  writeFileSync(armed, '');
  const child = execa(process.execPath, [CLI_PATH, '--config', w.cfg.configPath, 'restore', '--host', 'main', '--yes'], { reject: false, stdin: 'ignore', env: { NO_COLOR: '1' } });
  registerPid(child.pid!);
  await waitFor('the restore held in the load of its database step', () => existsSync(held), SLOW_MS);
  // The CLI alone, as the soak (and the OOM killer) does: what it started is left to itself.
  process.kill(child.pid!, 'SIGKILL');
  const killed = await child;
  expect(killed.signal).toBe('SIGKILL');
  const row = catalogRestores(w.cfg).restores.at(-1)!;
  expect(row.snapshot_archive).toMatch(/^main-pre-restore-/);
  // The orphaned load ends (failing) before the operator comes: released here so it waits for nothing.
  releaseFifo();
  return row.id as number;
}

/** Lets the held pg_restore go (it then fails), if it still waits; never blocks. */
function releaseFifo(): void {
  try {
    const fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    writeSync(fd, 'abort\n');
    closeSync(fd);
  } catch {
    // ENXIO: nobody reads it any more.
  }
}

beforeAll(async () => {
  const bin = makeTempDir('killed-db-bin-');
  fifo = join(bin, 'hold.fifo');
  armed = join(bin, 'armed');
  held = join(bin, 'held');
  execFileSync('mkfifo', [fifo]);
  const real = execFileSync('which', ['pg_restore'], { encoding: 'utf8' }).trim();
  writeFileSync(
    join(bin, 'pg_restore'),
    `#!/bin/bash
case " $* " in
  *' --dbname=pullback_new_'*)
    if [ -f '${armed}' ]; then
      rm -f '${armed}'; touch '${held}'
      read -r word < '${fifo}'
      echo "pg_restore: error: held by the test, then released ($word)" >&2
      exit 1
    fi ;;
esac
exec '${real}' "$@"
`,
  );
  chmodSync(join(bin, 'pg_restore'), 0o755);
  const server = await startSshd({ extraConfig: [`SetEnv PATH=${bin}:${process.env.PATH}`] });
  db = await createPgDatabase('pbkilleddb');
  await psql(db, "CREATE TABLE items (id int PRIMARY KEY, note text); INSERT INTO items SELECT g, 'night ' || g FROM generate_series(1, 40) g;");
  const main = makeTrees('killed-db-', true);
  w = await backedUp(main, [{ name: 'main', server, sources: sources(main, db) }], server);
}, SLOW_MS);

afterAll(releaseFifo);

describe('a restore killed with SIGKILL during its database step, after its safety snapshot', () => {
  it('is rolled back by the printed `restore --rollback ID --yes`: the target as before it, exit 0', async () => {
    // The target moves on after the backup: the rollback must bring back these, not the archive's.
    await psql(db, "INSERT INTO items VALUES (41, 'after the backup'), (42, 'after the backup');");
    writeFileSync(join(w.main.data, 'late.txt'), 'written after the backup\n');
    const rowsBefore = await psql(db, 'SELECT count(*), max(id) FROM items');
    const filesBefore = readdirSync(w.main.data).sort();

    const id = await killedInDatabaseStep();

    const status = await w.cli('status');
    expect(status.exitCode, status.stdout + status.stderr).toBe(1);
    expect(status.stdout).toMatch(new RegExp(`restore ${id} of archive .* was INTERRUPTED during database db`));
    const rollback = new RegExp(`To put the target back as it was before restore ${id}: pullback --config \\S+ restore --rollback ${id} --yes`).exec(status.stdout);
    expect(rollback, status.stdout).not.toBeNull();

    const rb = await runCli(['--config', w.cfg.configPath, 'restore', '--rollback', String(id), '--yes'], { timeoutMs: SLOW_MS });
    expect(rb.exitCode, rb.stdout + rb.stderr).toBe(0);
    expect(rb.stdout).toMatch(/Rollback \d+ of main: done/);
    expect(await psql(db, 'SELECT count(*), max(id) FROM items')).toBe(rowsBefore);
    expect(readdirSync(w.main.data).sort()).toEqual(filesBefore);
    const after = await w.cli('status');
    expect(after.stdout).not.toContain('INTERRUPTED');
    expect(after.exitCode, after.stdout).toBe(0);
  }, SLOW_MS * 2);

  it('whose snapshot was damaged since: the check names it, the rollback says why it cannot run and what puts the target back, and that works', async () => {
    const before = new Set(segments());
    const id = await killedInDatabaseStep();
    const snapshot = catalogRestores(w.cfg).restores.at(-1)!.snapshot_archive as string;
    // The snapshot's own data (its dumps, manifest and metadata) is in the largest segment it wrote
    // (the others hold a commit, or the repository's manifest alone).
    const fresh = segments().filter((s) => !before.has(s)).sort((a, b) => statSync(b).size - statSync(a).size);
    expect(fresh.length).toBeGreaterThan(0);
    flipFirstHalf(fresh[0]!);

    const check = await runCli(['--config', w.cfg.configPath, 'check', '--host', 'main'], { timeoutMs: SLOW_MS });
    expect(check.exitCode, check.stdout + check.stderr).toBe(1);
    expect(check.stdout).toContain(`${snapshot} (the safety snapshot of interrupted restore ${id}: its rollback needs all of it)`);
    const repair = await runCli(['--config', w.cfg.configPath, 'check', '--host', 'main', '--repair', '--yes'], { timeoutMs: SLOW_MS });
    expect(repair.exitCode, repair.stdout + repair.stderr).toBe(0);

    const rb = await runCli(['--config', w.cfg.configPath, 'restore', '--rollback', String(id), '--yes'], { timeoutMs: SLOW_MS });
    expect(rb.exitCode, rb.stdout + rb.stderr).toBe(1);
    const full = `pullback --config ${w.cfg.configPath} restore --host main --yes`;
    expect(rb.stderr).toContain(`the safety snapshot of restore ${id}, ${snapshot} in ${w.cfg.repoPath('main')}, cannot be read: `);
    expect(rb.stderr).toContain(`The rollback cannot put main back as it was before restore ${id}; nothing was changed.`);
    expect(rb.stderr).toContain(`To put main in a known state, restore every source from a nightly archive (that resolves restore ${id} too): ${full}`);

    const restore = await runCli(full.split(' ').slice(1), { timeoutMs: SLOW_MS });
    expect(restore.exitCode, restore.stdout + restore.stderr).toBe(0);
    expect(await psql(db, 'SELECT count(*) FROM items')).toBe('40');
    const status = await w.cli('status');
    expect(status.stdout).not.toContain('INTERRUPTED');
  }, SLOW_MS * 3);
});
