// Lock files: the run lock (one `pullback run` at a time per state directory) and the per-host job
// locks (host-lock.ts). A lock is a kernel lock, not a file's existence: a small SQLite file
// (`<lock>.sqlite`) held in `BEGIN EXCLUSIVE` by an open connection (fcntl locks, which the kernel
// drops when the holder exits, however it dies). Taking it is one atomic step, so two jobs can
// never both win, a killed holder never leaves a lock behind, and a PID reused by an unrelated
// process blocks nothing. The lock path itself holds the holder's PID and what it is doing, for
// messages and people only: it decides nothing. Never open the `.sqlite` file with plain fs calls
// in a process that may hold it: closing any descriptor of a file drops the process's fcntl locks.
import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { JobError } from '../errors.js';

export interface HeldLock {
  file: string;
  release(): void;
}

export interface LockOutcome {
  lock: HeldLock;
  /** Set when the previous holder died without releasing (its description was left beside the lock). */
  tookOverFromPid?: number;
}

/** A live process holding a lock: what it said it was doing, and its PID (0 when it has not said yet). */
export interface LockHeld {
  holder: string;
  pid: number;
}

/** Connections holding locks, kept referenced so that nothing closes them before release. */
const HELD = new Set<Database.Database>();

/** Where the holder's PID and description are written: the lock path itself. */
export function holderFile(file: string): string {
  return file;
}

/** The SQLite file whose exclusive transaction is the lock. */
export function kernelLockFile(file: string): string {
  return `${file}.sqlite`;
}

/** Takes the lock at `file` or throws a JobError naming the PID that holds it. */
export function acquireLock(file: string, what: string): LockOutcome {
  const out = tryLock(file, what);
  if ('lock' in out) return out;
  throw new JobError(`${out.holder} is running (PID ${out.pid}, lock ${file}); refusing to start ${what}`);
}

/** Takes the lock at `file` when no live process holds it; otherwise says who holds it. Never waits. */
export function tryLock(file: string, what: string): LockOutcome | LockHeld {
  const db = openLock(file);
  try {
    db.exec('BEGIN EXCLUSIVE');
  } catch (e) {
    db.close();
    if (isBusy(e)) return heldBy(file, what);
    throw new JobError(`cannot take the lock ${file}: ${(e as Error).message}`);
  }
  const previous = readHolder(file);
  try {
    writeHolder(file, `${process.pid}\n${what}\n`);
  } catch (e) {
    db.close();
    throw new JobError(`cannot write ${holderFile(file)}: ${(e as Error).message}`);
  }
  HELD.add(db);
  const lock = held(file, db);
  return previous && previous.pid !== process.pid ? { lock, tookOverFromPid: previous.pid } : { lock };
}

/** The live holder of the lock at `file` ("restore onto x (PID n)"), or undefined when it is free or ours. */
export function lockHolder(file: string): string | undefined {
  let db: Database.Database;
  try {
    db = openLock(file);
  } catch {
    return undefined;
  }
  try {
    // A read needs a shared lock, which an exclusive holder refuses; it takes nothing from anyone.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return undefined;
  } catch (e) {
    if (!isBusy(e)) return undefined;
    const h = heldBy(file, 'another pullback');
    return h.pid === process.pid ? undefined : `${h.holder} (PID ${h.pid})`;
  } finally {
    db.close();
  }
}

function openLock(file: string): Database.Database {
  mkdirSync(dirname(file), { recursive: true });
  try {
    // timeout 0: a held lock answers SQLITE_BUSY at once; waiting is the callers' business.
    return new Database(kernelLockFile(file), { timeout: 0 });
  } catch (e) {
    throw new JobError(`cannot open the lock ${file}: ${(e as Error).message}`);
  }
}

function isBusy(e: unknown): boolean {
  const code = (e as { code?: string }).code ?? '';
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

/** Who holds the lock, from the description beside it (a new holder may take a moment to write it). */
function heldBy(file: string, what: string): LockHeld {
  let h = readHolder(file);
  for (let i = 0; i < 20 && (!h || !isAlive(h.pid)); i++) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    h = readHolder(file);
  }
  return h && isAlive(h.pid) ? { holder: h.what ?? `another ${what}`, pid: h.pid } : { holder: `another ${what}`, pid: 0 };
}

function held(file: string, db: Database.Database): HeldLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    // The description first: once the lock is free, it must not name us.
    if (readHolder(file)?.pid === process.pid) rmSync(holderFile(file), { force: true });
    HELD.delete(db);
    try {
      db.exec('ROLLBACK');
    } finally {
      db.close();
    }
  };
  process.once('exit', release);
  return { file, release };
}

/** The holder's PID and description, written atomically (temporary name, then rename). */
function writeHolder(file: string, text: string): void {
  const tmp = `${holderFile(file)}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, holderFile(file));
}

function readHolder(file: string): { pid: number; what?: string } | undefined {
  try {
    const [pidLine, what] = readFileSync(holderFile(file), 'utf8').split('\n');
    const pid = Number.parseInt(pidLine?.trim() ?? '', 10);
    return Number.isFinite(pid) && pid > 0 ? { pid, what: what?.trim() || undefined } : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
