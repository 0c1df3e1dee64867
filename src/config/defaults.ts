// Default values of optional keys: written once here, used by the schema (docs) and by normalization.

export const DEFAULTS = {
  stateDir: '/var/lib/pullback',
  hostsDir: 'hosts',
  encryption: 'repokey-blake2',
  // Measured (docs/performance.md, figure 1c): the size of auto,zstd,10 within 0.5%, in 7% less time; zstd,22 twice the time for 0.5% less.
  compression: 'auto,zstd,3',
  retention: { daily: 7, weekly: 4, monthly: 6 },
  /** Sources of one host worked on at once: a host with a database, blobs and data pulls all three together. */
  sourceConcurrency: 3,
  connectTimeout: '10s',
  aliveTimeout: '60s',
  rsyncTimeout: '5m',
  rsyncAttempts: 3,
  rsyncBackoff: '5s',
  // The repository check is daily but bounded (borg resumes a partial check the next night); the
  // archives check reads every archive's metadata, so it is weekly, not nightly (docs/performance.md).
  checks: { repository: 'daily', archives: 'weekly', data: 'monthly', drill: 'monthly' },
  repositoryCheckMaxDuration: '20m',
  drillSample: 100,
  drillMaxMissing: 0.1,
  dumpTimeout: '1h',
  /** A server clock this far ahead of the backup host's is still believed (NTP drift, a dump written during the pull). */
  dumpMaxClockSkew: '5m',
  restoreWait: '2h',
  maxShrink: '50%',
  maxShrinkWindow: '7d',
  notifyRemind: '1d',
  maxDiskUsage: '95%',
  port: 22,
  exclude: [] as string[],
  maxAge: '26h',
  staleAfter: '26h',
  dumpKeep: 3,
  spaceMargin: 0.1,
  minFree: 0,
  httpTimeout: '10s',
  logKeepDays: 30,
  pitrSlot: 'pullback',
  pitrMaxLag: '5m',
  pitrUser: 'pullback_replication',
} as const;

/** Default connection of each database engine (as seen from the server that runs it). */
export const ENGINE_CONNECTION = {
  postgres: { host: '127.0.0.1', port: 5432, user: 'postgres' },
  mariadb: { host: '127.0.0.1', port: 3306, user: 'root' },
  mysql: { host: '127.0.0.1', port: 3306, user: 'root' },
  sqlite: { host: '127.0.0.1', port: 0, user: '' },
} as const;

/**
 * Host and source names: each becomes a directory name (the mirror), an archive name prefix and a
 * borg glob, so no `/`, no leading `.` or `-` (no `..`, no option), no spaces, quotes or control
 * characters, and short enough for a file name with a time stamp appended.
 */
export const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';
export const NAME_RULE = '1 to 64 letters, digits, ".", "_" and "-", starting with a letter or digit';

/** borg's compression spec: none | lz4 | zstd[,1-22] | zlib[,0-9] | lzma[,0-9], optionally after "auto,". */
export const COMPRESSION_PATTERN = '^(auto,)?(none|lz4|zstd(,([1-9]|1[0-9]|2[0-2]))?|zlib(,[0-9])?|lzma(,[0-9])?)$';
