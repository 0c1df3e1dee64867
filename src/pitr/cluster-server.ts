// The main server's side of a whole-cluster restore (`restore --at T --whole-cluster`): what its
// cluster is (data directory, version, system identifier, read over SSH), its free space, and the
// changes: stop, data directory moved aside (a rename on its own file system, so instant and
// undone by a rename), the proven data directory pushed in beside it, given to its owner, renamed
// into place, started. Every command is an argv run through the restore key's SSH session.
import type { Logger } from 'pino';
import type { HostConfig, DbConnection, GlobalConfig, PitrServerConfig } from '../config/types.js';
import { describeError } from '../errors.js';
import { reasonOf } from '../exec/stderr.js';
import { psql } from '../engines/postgres-argv.js';
import type { SshSession } from '../tools/ssh/client.js';
import type { SshMux } from '../tools/ssh/mux.js';
import { rsyncPush } from '../tools/rsync/push.js';

const CMD_TIMEOUT_MS = 10 * 60_000;

/** The cluster a whole-cluster restore replaces, as its running server says. */
export interface ServerCluster {
  dataDirectory: string;
  /** server_version_num, e.g. 150010; the major is its first digits (/ 10000). */
  versionNum: number;
  systemIdentifier: string;
}

/** Where the data directory of restore `id` is kept (beside it: same file system). */
export function asideName(dataDirectory: string, id: number): string {
  return `${dataDirectory}.pullback-before-restore-${id}`;
}

/** Where a rollback of restore `id` keeps the data directory it takes out (never deleted by pullback). */
export function rolledBackName(dataDirectory: string, id: number): string {
  return `${dataDirectory}.pullback-rolled-back-${id}`;
}

/** Where the recovered data directory is pushed before it is renamed into place. */
export function incomingName(dataDirectory: string, id: number): string {
  return `${dataDirectory}.pullback-incoming-${id}`;
}

/** Runs `argv` on the server; undefined when it exited 0, else why not. Never throws. */
export async function remote(session: SshSession, argv: readonly string[], signal?: AbortSignal): Promise<{ ok: true; stdout: string } | { ok: false; error: string }> {
  try {
    const r = await session.exec(argv, { timeoutMs: CMD_TIMEOUT_MS, signal });
    if (r.exitCode === 0) return { ok: true, stdout: r.stdout ?? '' };
    const how = r.timedOut ? 'timed out' : r.exitCode === undefined ? `ended by ${r.signal}` : `exited ${r.exitCode}`;
    const why = reasonOf(r);
    return { ok: false, error: `${argv.join(' ')} ${how}${why ? `: ${why}` : ''}` };
  } catch (e) {
    return { ok: false, error: `${argv.join(' ')}: ${describeError(e)}` };
  }
}

/** Runs each argv in order, stopping at the first failure; the error, or undefined. */
export async function remoteAll(session: SshSession, commands: readonly string[][], signal?: AbortSignal): Promise<string | undefined> {
  for (const argv of commands) {
    const r = await remote(session, argv, signal);
    if (!r.ok) return r.error;
  }
  return undefined;
}

/** The running server's cluster, asked as the source's dump login (psql on the server); throws Error when it does not answer. */
export async function readServerCluster(session: SshSession, conn: DbConnection, signal?: AbortSignal): Promise<ServerCluster> {
  const sql = "SELECT current_setting('data_directory') || '|' || current_setting('server_version_num') || '|' || (SELECT system_identifier::text FROM pg_control_system())";
  const r = await remote(session, psql(conn, 'postgres', sql), signal);
  if (!r.ok) throw new Error(`the server's PostgreSQL did not answer: ${r.error}`);
  const [dataDirectory, v, systemIdentifier] = r.stdout.trim().split('|');
  if (!dataDirectory || !v || !systemIdentifier || !/^\d+$/.test(v)) throw new Error(`unexpected answer from the server: ${JSON.stringify(r.stdout.trim())}`);
  return { dataDirectory, versionNum: Number(v), systemIdentifier };
}

/**
 * The cluster as its data directory says, without the server (stopped or broken): PG_VERSION, and
 * the system identifier, the first 8 bytes of global/pg_control (read by od as a native unsigned
 * 64-bit integer: the file is written in the machine's own byte order). Throws Error when unreadable.
 */
export async function readDataDirectory(session: SshSession, dataDirectory: string, signal?: AbortSignal): Promise<{ major: string; systemIdentifier: string }> {
  const v = await remote(session, ['cat', '--', `${dataDirectory}/PG_VERSION`], signal);
  if (!v.ok) throw new Error(`${dataDirectory}/PG_VERSION not read: ${v.error}`);
  const c = await remote(session, ['od', '-A', 'n', '-t', 'u8', '-N', '8', '--', `${dataDirectory}/global/pg_control`], signal);
  if (!c.ok) throw new Error(`${dataDirectory}/global/pg_control not read: ${c.error}`);
  const major = v.stdout.trim();
  const systemIdentifier = c.stdout.trim();
  if (!/^\d+$/.test(major) || !/^\d+$/.test(systemIdentifier)) throw new Error(`unexpected PG_VERSION ${JSON.stringify(major)} or pg_control ${JSON.stringify(systemIdentifier)}`);
  return { major, systemIdentifier };
}

/** Tablespaces outside the data directory (entries of pg_tblspc): names, empty when none. Throws Error when unreadable. */
export async function tablespacesOf(session: SshSession, dataDirectory: string, signal?: AbortSignal): Promise<string[]> {
  const r = await remote(session, ['find', `${dataDirectory}/pg_tblspc`, '-mindepth', '1', '-maxdepth', '1'], signal);
  if (!r.ok) throw new Error(r.error);
  return r.stdout.split('\n').filter((l) => l.trim() !== '');
}

/** Whether the server answers SQL and is out of recovery: 'f' from pg_is_in_recovery(); else the error. */
export async function inRecovery(session: SshSession, conn: DbConnection, signal?: AbortSignal): Promise<{ ok: true; inRecovery: boolean; systemIdentifier: string } | { ok: false; error: string }> {
  const r = await remote(session, psql(conn, 'postgres', "SELECT pg_is_in_recovery()::text || '|' || (SELECT system_identifier::text FROM pg_control_system())"), signal);
  if (!r.ok) return r;
  const [rec, sysid] = r.stdout.trim().split('|');
  return { ok: true, inRecovery: rec !== 'false', systemIdentifier: sysid ?? '' };
}

/** Free KiB on the data directory's file system and the data directory's own size in KiB (df, du as the restore login). */
export async function spaceOf(session: SshSession, dataDirectory: string, signal?: AbortSignal): Promise<{ freeKiB: number; usedKiB: number } | { error: string }> {
  const df = await remote(session, ['df', '-P', '-k', '--', dataDirectory], signal);
  if (!df.ok) return { error: df.error };
  const fields = df.stdout.trim().split('\n').at(-1)?.trim().split(/\s+/) ?? [];
  const freeKiB = Number(fields[3]);
  const du = await remote(session, ['du', '-s', '-k', '--', dataDirectory], signal);
  if (!du.ok) return { error: du.error };
  const usedKiB = Number(du.stdout.trim().split(/\s+/)[0]);
  if (!Number.isFinite(freeKiB) || !Number.isFinite(usedKiB)) return { error: `unreadable df/du output: ${JSON.stringify(df.stdout.trim())} ${JSON.stringify(du.stdout.trim())}` };
  return { freeKiB, usedKiB };
}

/** Whether `path` exists on the server (test -e); throws Error when it cannot be asked. */
export async function existsRemote(session: SshSession, path: string, signal?: AbortSignal): Promise<boolean> {
  const r = await session.exec(['test', '-e', path], { timeoutMs: CMD_TIMEOUT_MS, signal });
  if (r.exitCode === 0) return true;
  if (r.exitCode === 1) return false;
  throw new Error(`test -e ${path}: exited ${r.exitCode ?? r.signal}`);
}

/**
 * Pushes the local data directory `from` to the server into `incomingName(...)` (made 0700 first),
 * gives it to `server.owner` (user and group) with mode 0700, and renames it to the data
 * directory (which must not exist: it was moved aside). The error, or undefined.
 */
export async function installDataDirectory(
  p: { global: GlobalConfig; host: HostConfig; session: SshSession; mux?: SshMux; server: PitrServerConfig; from: string; id: number; logger: Logger; signal?: AbortSignal },
): Promise<string | undefined> {
  const dest = incomingName(p.server.dataDirectory, p.id);
  const made = await remoteAll(p.session, [['rm', '-rf', '--', dest], ['mkdir', '-m', '0700', '--', dest]], p.signal);
  if (made) return made;
  const out = await rsyncPush(p.global, p.host, p.from, dest, { guardRoot: true, logger: p.logger, signal: p.signal, controlPath: () => p.mux?.controlPath() });
  if (out.verdict.kind !== 'ok') return `rsync to ${p.host.name}:${dest}: ${'reason' in out.verdict ? out.verdict.reason : 'failed'}`;
  return remoteAll(
    p.session,
    [
      ['chown', '-R', '--', `${p.server.owner}:`, dest],
      ['chmod', '0700', '--', dest],
      ['mv', '-T', '--', dest, p.server.dataDirectory],
    ],
    p.signal,
  );
}
