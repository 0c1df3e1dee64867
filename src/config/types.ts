// The normalized, typed configuration every layer below the config loader works with.
// The YAML schema (schema.ts) is the documentation; these types are what it normalizes into.
import type { NotifierConfig } from './types-notify.js';
import type { OffsiteTarget } from './types-offsite.js';

export type * from './types-notify.js';
export type * from './types-offsite.js';

export type SourceKind = 'database' | 'blobs' | 'data';
export type DumpEngine = 'postgres' | 'mariadb' | 'mysql' | 'sqlite';
export type Frequency = 'always' | 'daily' | 'weekly' | 'monthly' | 'never';

export interface Retention {
  daily: number;
  weekly: number;
  monthly: number;
}

export interface RepositoryConfig {
  /** Path template; `{host}` is replaced by the host name. */
  pathTemplate: string;
  encryption: 'none' | 'repokey' | 'repokey-blake2' | 'authenticated' | 'authenticated-blake2';
  /** Absolute path of the passphrase file, or undefined with encryption none. */
  passphraseFile?: string;
  compression: string;
  /** borg's own state (cache, security, keys) for this repository, if not <state_dir>/borg (off-site copies keep theirs apart). */
  borgBaseDir?: string;
  /** BORG_RSH for a repository reached over SSH (an off-site borg target). */
  rsh?: string;
}

export interface SshConfig {
  identityFile: string;
  knownHosts: string;
  connectTimeoutSeconds: number;
  /** Seconds without an answer from the server before ssh gives up (ServerAlive*), the key exchange included; 60 when not given. */
  aliveTimeoutSeconds?: number;
}

export interface RsyncConfig {
  /** rsync --timeout: seconds of no I/O before rsync gives up. */
  ioTimeoutSeconds: number;
  /** Attempts for transport failures (255/12/30/35, timeouts); 1 means no retry. */
  attempts: number;
  /** First backoff delay in seconds; doubled each further attempt. */
  backoffSeconds: number;
  /** Path of rsync on the main servers (`--rsync-path`), if not `rsync`. */
  remotePath?: string;
}

export interface ChecksConfig {
  repository: Frequency;
  archives: Frequency;
  data: Frequency;
  drill: Frequency;
  /** borg check --repository-only --max-duration (0: a full check every time it is due). */
  repositoryMaxDurationSeconds: number;
}

export interface DrillConfig {
  sample: number;
  /** Share (0..1) of the sample that may be gone from the origin before the drill is a warning. */
  maxMissing: number;
  /** Where drill dumps are restored into scratch databases. */
  database: {
    postgres: DbConnection;
    mariadb: DbConnection;
  };
}

export interface DbConnection {
  host: string;
  port: number;
  user: string;
  /** File holding the password; never passed on argv. */
  passwordFile?: string;
}

export interface GlobalConfig {
  /** Absolute path of the global config file. */
  file: string;
  stateDir: string;
  hostsDir: string;
  repository: RepositoryConfig;
  retention: Retention;
  concurrency: number;
  /** Sources of one host worked on at once while its shared SSH connection is up. */
  sourceConcurrency: number;
  ssh: SshConfig;
  rsync: RsyncConfig;
  checks: ChecksConfig;
  drill: DrillConfig;
  /** Seconds a remote dump may take before it is killed. */
  dumpTimeoutSeconds: number;
  /** Seconds a dump's claimed time may lie ahead of this host's clock at the pull before it is refused (dumps.max_clock_skew). */
  dumpMaxClockSkewSeconds: number;
  /** Seconds the nightly run waits for a restore holding a host before it fails that host. */
  restoreWaitSeconds: number;
  /** What pullback daemon fires, and when (also printed for cron and systemd by pullback schedule). */
  schedule: ScheduleConfig;
  /** Share (0..1) of a blobs or data source's files or bytes a pull may lose since the last good pull. */
  maxShrink: number;
  /** Seconds back the shrink guard also compares a source with (its newest archive at least this old); 0: off. */
  maxShrinkWindowSeconds: number;
  /** Who is told what happened (empty: nobody). */
  notify: NotifierConfig[];
  /** Seconds between reminders of a host or source that stays stale (`status --notify`); 0: none, only changes. */
  notifyRemindSeconds: number;
  /** Off-site targets every host's repository is copied to (empty: none). */
  offsite: OffsiteTarget[];
  /** Absolute path of the Prometheus text file written after each job, or undefined for none. */
  metricsFile?: string;
  /** Days of daily log files kept (today included). */
  logKeepDays: number;
  /** Share (0..1] of a filesystem's usable space a run may fill: the free-space preflight refuses hosts past it. */
  maxDiskUsage: number;
  /** This backup host's name in the fleet (backup_host; default os.hostname()). */
  backupHost: string;
  /** The fleet's PostgreSQL catalog (catalog:), or undefined for the local SQLite catalog alone. */
  catalog?: FleetCatalogConfig;
}

/** Where the fleet's PostgreSQL catalog is: a URL without password, the password in a file. */
export interface FleetCatalogConfig {
  url: string;
  passwordFile?: string;
}

/** A job pullback daemon fires (and `pullback schedule` prints for cron or systemd). */
export type ScheduledJob = 'backup' | 'check' | 'drill' | 'report';

export interface ScheduleConfig {
  /** IANA time zone the expressions are read in; undefined means the system's. */
  timezone?: string;
  /** Cron expression (5 fields, or 6 with seconds first) of each scheduled job; absent jobs are not scheduled. */
  jobs: Partial<Record<ScheduledJob, string>>;
  /** Words given to a job's command after it (schedule.args); absent: none. */
  args?: Partial<Record<ScheduledJob, string[]>>;
}

export interface DumpConfig {
  engine: DumpEngine;
  /** Database names, or file paths for sqlite; 'all' means every database (postgres, mariadb). */
  databases: string[] | 'all';
  connection: DbConnection;
  keep: number;
}

/**
 * Point-in-time recovery of a database source (`pitr:`): PostgreSQL's WAL received continuously and
 * base backups nightly; MariaDB/MySQL binary logs received continuously, the nightly dump (with its
 * binary log position) as the starting point.
 */
export interface PitrConfig {
  /** Whose logs: `postgres` (WAL), `mariadb` or `mysql` (binary logs); from the source's dump engine. */
  engine: 'postgres' | 'mariadb' | 'mysql';
  /** Physical replication slot on the main server (postgres only). */
  slot: string;
  /** Seconds the newest reachable point may lag behind now before status is red. */
  maxLagSeconds: number;
  /** The replication login, as seen from the main server (the tunnel's far end); passwordFile is local (absolute). */
  connection: DbConnection;
  /** The server whose whole cluster `restore --at --whole-cluster` replaces (postgres only). */
  server?: PitrServerConfig;
}

/** `pitr.server`: where the main server's data directory is and how its PostgreSQL is stopped and started. */
export interface PitrServerConfig {
  /** Absolute path on the main server. */
  dataDirectory: string;
  stop: string[][];
  start: string[][];
  /** Owner (user and group) of the data directory. */
  owner: string;
}

export interface SourceConfig {
  name: string;
  kind: SourceKind;
  /** Absolute path on the main server. */
  path: string;
  exclude: string[];
  dump?: DumpConfig;
  /** Point-in-time recovery (postgres, mariadb and mysql database sources). */
  pitr?: PitrConfig;
  /** Max age in seconds of the newest dump in a pulled dump directory (database sources without dump). */
  maxAgeSeconds?: number;
  /** The database the dumps of a cron-filled dump directory restore into (database sources without dump). */
  database?: string;
  /** Glob deciding which files of a cron-filled dump directory are dumps (database sources without dump). */
  pattern?: string;
  /** This source's own max_shrink (0..1); else the global one (blobs, data) or none (database). */
  maxShrink?: number;
  /** Seconds since its last successful backup before the source is stale (its max_age, else the host's). */
  staleAfterSeconds?: number;
}

export interface RestoreCheck {
  name: string;
  /** SQL query against a restored database, with its expected single value. */
  sql?: { source: string; database: string; query: string; expect: string };
  /** An HTTP(S) URL that must answer 2xx. */
  http?: { url: string; timeoutSeconds: number };
  /** A command (argv) run on the target over SSH that must exit 0. */
  command?: string[];
}

export interface RestoreConfig {
  stopWrites: string[][];
  startWrites: string[][];
  checks: RestoreCheck[];
  /** Extra free space demanded on the target, as a fraction of the restored size (0.1 = 10%). */
  spaceMargin: number;
  /** Minimum free bytes demanded on the target beyond the restored size. */
  minFreeBytes: number;
}

/** What pullback logs in to a main server for; each may use its own (restricted) key. */
export type SshRole = 'pull' | 'dump' | 'restore' | 'wal';

export interface HostConfig {
  /** Absolute path of the host file. */
  file: string;
  name: string;
  address: string;
  port: number;
  user: string;
  /** Private key per role (absolute); a role without one uses the global ssh identity_file. */
  keys?: Partial<Record<SshRole, string>>;
  /** Seconds since its last successful backup before the host is stale (`max_age`, default 26h). */
  staleAfterSeconds?: number;
  /** Its home backup host in a fleet (backup_host:), or undefined: whichever backup host lists it. */
  backupHost?: string;
  sources: SourceConfig[];
  restore: RestoreConfig;
}

export interface Config {
  global: GlobalConfig;
  hosts: HostConfig[];
}

/** The borg repository path of a host. */
export function repositoryPath(global: GlobalConfig, host: string): string {
  return global.repository.pathTemplate.split('{host}').join(host);
}
