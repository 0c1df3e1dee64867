// PostgreSQL's physical backup tools as pure argv builders and output parsers: pg_receivewal (the
// WAL stream), pg_basebackup and pg_verifybackup (base backups), the replication-protocol probe
// (IDENTIFY_SYSTEM, READ_REPLICATION_SLOT) and backup_label. They run on the backup host against
// the tunnel's local socket (`host` is a directory); the password comes from PGPASSFILE only.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Where the tools are run from: a local socket directory and port, the replication login, its password file. */
export interface WalConnection {
  socketDir: string;
  port: number;
  user: string;
  passwordFile?: string;
}

const PG_LIB = '/usr/lib/postgresql';

/**
 * The bin directory of the newest PostgreSQL installed under /usr/lib/postgresql (Debian's layout:
 * pg_verifybackup and pg_waldump are not on PATH there), or '' to use PATH.
 */
export function pgBinDir(root = PG_LIB): string {
  if (!existsSync(root)) return '';
  const versions = readdirSync(root).filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'pg_receivewal')));
  versions.sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : '';
}

/** `bin/tool`, or the bare tool name for PATH. */
export function pgTool(bin: string, tool: string): string {
  return bin ? join(bin, tool) : tool;
}

/** The environment a tool gets: the password file, never a password. */
export function walEnv(c: WalConnection): Record<string, string> {
  return c.passwordFile ? { PGPASSFILE: c.passwordFile } : {};
}

function conn(c: WalConnection): string[] {
  return ['--host', c.socketDir, '--port', String(c.port), '--username', c.user, '--no-password'];
}

/** pg_receivewal creating the physical slot unless it exists (then exits). */
export function buildCreateSlotArgs(c: WalConnection, slot: string): string[] {
  return [...conn(c), '--slot', slot, '--create-slot', '--if-not-exists'];
}

/**
 * pg_receivewal streaming into `dir` from `slot`. `--synchronous` flushes each write and tells the
 * server at once: measured (docs/pitr.md), without it the slot's position (and so the lag pullback
 * measures, and what the server knows is safe) stays at the start of the segment being written
 * until 16 MB filled; `--no-loop` makes it exit on a lost connection, for the supervisor to restart.
 */
export function buildReceiveWalArgs(c: WalConnection, slot: string, dir: string, statusIntervalSeconds = 5): string[] {
  return [...conn(c), '--directory', dir, '--slot', slot, '--synchronous', '--no-loop', `--status-interval=${statusIntervalSeconds}`];
}

/**
 * pg_basebackup into the new directory `dir`: plain format (each relation file its own file, which
 * borg's files cache and chunker deduplicate night after night, and which pg_verifybackup reads
 * back), with the WAL it needs streamed into its pg_wal (each base backup recovers on its own), a
 * fast checkpoint and a CRC32C manifest.
 */
export function buildBaseBackupArgs(c: WalConnection, dir: string, label: string): string[] {
  return [...conn(c), '--pgdata', dir, '--format=plain', '--wal-method=stream', '--checkpoint=fast', '--manifest-checksums=CRC32C', '--label', label, '--no-sync'];
}

/** pg_verifybackup of a plain base backup: every file against the manifest, and its WAL parsed. */
export function buildVerifyBackupArgs(dir: string): string[] {
  return ['--quiet', dir];
}

/** psql on a replication connection asking the server's flush position and the slot's. */
export function buildProbeArgs(c: WalConnection, slot: string): string[] {
  const conninfo = `host=${c.socketDir} port=${c.port} user=${c.user} dbname=replication replication=true`;
  return ['--no-psqlrc', '--no-password', '--tuples-only', '--no-align', '--field-separator=|', `--dbname=${conninfo}`, '--command=IDENTIFY_SYSTEM', `--command=READ_REPLICATION_SLOT ${slot}`];
}

/** psql on a replication connection reading one server setting (SHOW works there). */
export function buildShowArgs(c: WalConnection, setting: string): string[] {
  const conninfo = `host=${c.socketDir} port=${c.port} user=${c.user} dbname=replication replication=true`;
  return ['--no-psqlrc', '--no-password', '--tuples-only', '--no-align', `--dbname=${conninfo}`, `--command=SHOW ${setting}`];
}

export interface ProbeAnswer {
  systemId: string;
  timeline: number;
  /** The server's current flush position. */
  serverLsn: bigint;
  /** The slot's restart position (what pg_receivewal reported flushed), undefined when the slot does not exist. */
  slotLsn?: bigint;
  slotTimeline?: number;
}

/** The two answers of buildProbeArgs' psql (`systemid|tli|xlogpos|dbname`, `physical|lsn|tli`), or undefined. */
export function parseProbe(out: string): ProbeAnswer | undefined {
  const lines = out.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const id = /^(\d+)\|(\d+)\|([0-9A-F]+\/[0-9A-F]+)\|/i.exec(lines[0] ?? '');
  if (!id) return undefined;
  const answer: ProbeAnswer = { systemId: id[1]!, timeline: Number(id[2]), serverLsn: parseLsn(id[3]!) };
  const slot = /^physical\|([0-9A-F]+\/[0-9A-F]+)?\|(\d*)$/i.exec(lines[1] ?? '');
  if (slot?.[1]) {
    answer.slotLsn = parseLsn(slot[1]);
    if (slot[2]) answer.slotTimeline = Number(slot[2]);
  }
  return answer;
}

/** An LSN `X/Y` (hex) as a number. Throws on anything else. */
export function parseLsn(text: string): bigint {
  const m = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i.exec(text.trim());
  if (!m) throw new Error(`not an LSN: ${JSON.stringify(text)}`);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

/** An LSN as PostgreSQL writes it. */
export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

export interface BackupLabel {
  startLsn: bigint;
  /** The WAL segment file holding the start (the first one a recovery needs). */
  startWal: string;
  timeline: number;
  label: string;
}

/** The facts of a base backup's backup_label file, or undefined when it is not one. */
export function parseBackupLabel(text: string): BackupLabel | undefined {
  const start = /^START WAL LOCATION: ([0-9A-F]+\/[0-9A-F]+) \(file ([0-9A-F]{24})\)$/im.exec(text);
  const tli = /^START TIMELINE: (\d+)$/m.exec(text);
  const label = /^LABEL: (.*)$/m.exec(text);
  if (!start || !tli) return undefined;
  return { startLsn: parseLsn(start[1]!), startWal: start[2]!, timeline: Number(tli[1]), label: label?.[1] ?? '' };
}

/** The end LSN of a base backup, from its backup_manifest's WAL-Ranges (the last range's End-LSN). */
export function manifestEndLsn(manifestJson: string): bigint | undefined {
  const m = JSON.parse(manifestJson) as { 'WAL-Ranges'?: Array<{ 'End-LSN': string }> };
  const last = m['WAL-Ranges']?.at(-1);
  return last ? parseLsn(last['End-LSN']) : undefined;
}
