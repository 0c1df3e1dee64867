// What a PITR drill of one source gives back, and what it is handed to recover with (the recovery
// of pitr/, handed over by the command that runs the drill: a feature never imports another). Types only.
import type { CheckResult } from './databases.js';

/** A transaction's end named in a result: its id, its time (UTC, to the microsecond) and where it is in the WAL. */
export interface XactRef {
  xid: string;
  time: string;
  lsn: string;
  kind: 'commit' | 'abort';
}

export interface PitrDrillResult {
  source: string;
  /** ok: recovered exactly to the point, started, checks passed; failed: names why; unverified: no window to drill yet. */
  status: 'ok' | 'failed' | 'unverified';
  /** The point recovered to (ISO, UTC), and whether it was drawn at random or given with --at. */
  target?: string;
  chosen?: 'random' | 'given';
  window?: { oldest: string; newest: string };
  baseArchive?: string;
  walArchives?: string[];
  walFiles?: number;
  /** The recovery time objective, measured: from the start of the extraction to the cluster answering queries; and its parts. */
  rtoMs?: number;
  extractMs?: number;
  replayMs?: number;
  /** From the WAL (pg_waldump): the last commit at or before the point (applied), the end PostgreSQL stops before, the first commit after the point (not applied). */
  lastCommit?: XactRef;
  stop?: XactRef;
  firstCommitAfter?: XactRef;
  /** The configured SQL checks, run against the recovered cluster. */
  checks: CheckResult[];
  /** Why it failed or is unverified. */
  error?: string;
  note?: string;
}

/** A transaction's end read from the WAL (by pitr/, with pg_waldump), its time in microseconds since the epoch. */
export interface XactEnd extends XactRef {
  timeUs: bigint;
}

/** The transaction ends around the point in WAL order: the last commit and last end at or before it, the first end after it (the stop), the first commit after it. */
export interface TransactionsAround {
  lastCommit?: XactEnd;
  lastEnd?: XactEnd;
  stop?: XactEnd;
  firstCommitAfter?: XactEnd;
}

/** A scratch cluster recovered to a time (pitr/drill-recovery.ts gives it). */
export interface RecoveredCluster {
  socketDir: string;
  port: number;
  walDir: string;
  timeline: number;
  startLsn: string;
  baseArchive: string;
  walArchives: string[];
  walFiles: number;
  /** Read from the WAL before recovery; with no end after the point, `toWalEnd`: recovered to the WAL's end (`walEndNote` says so). */
  around: TransactionsAround;
  toWalEnd: boolean;
  walEndNote?: string;
  extractMs: number;
  replayMs: number;
  log(): string;
  remove(): Promise<void>;
}

/** Point-in-time recovery as the drill uses it. */
export interface PitrRecovery {
  window(host: string, source: string): { ok: true; oldest: Date; newest: Date; bases: number } | { ok: false; reason: string };
  sweep(): Promise<string[]>;
  recover(p: { host: string; source: string; at: Date; user: string; timeoutMs: number; signal?: AbortSignal }): Promise<RecoveredCluster>;
}
