// Step 3: turn schema-valid YAML data into the typed configuration: defaults applied, durations in
// seconds, sizes in bytes, local paths absolute (relative ones resolved against the file's directory).
import { cpus, hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { DEFAULTS, ENGINE_CONNECTION } from './defaults.js';
import { normalizeNotify } from './normalize-notify.js';
import { normalizeOffsite } from './normalize-offsite.js';
import type { RawConnection, RawGlobal, RawHost, RawSource } from './raw-types.js';
import type { DbConnection, DumpConfig, Frequency, GlobalConfig, HostConfig, RepositoryConfig, SourceConfig, SourceKind, DumpEngine } from './types.js';
import { parseDuration, parsePercent, parseSize } from './units.js';
import { normalizeSchedule } from './schema-schedule.js';

function connection(raw: RawConnection | undefined, dflt: { host: string; port: number; user: string }, dir?: string): DbConnection {
  const c: DbConnection = { host: raw?.host ?? dflt.host, port: raw?.port ?? dflt.port, user: raw?.user ?? dflt.user };
  if (raw?.password_file) c.passwordFile = dir ? resolve(dir, raw.password_file) : raw.password_file;
  return c;
}

/** The typed global configuration of a schema-valid global file (`file` absolute). */
export function normalizeGlobal(raw: RawGlobal, file: string): GlobalConfig {
  const dir = dirname(file);
  const at = (p: string): string => resolve(dir, p);
  const encryption = (raw.repository.encryption ?? DEFAULTS.encryption) as RepositoryConfig['encryption'];
  const repository: RepositoryConfig = {
    pathTemplate: at(raw.repository.path),
    encryption,
    compression: raw.repository.compression ?? DEFAULTS.compression,
  };
  if (encryption !== 'none' && raw.repository.passphrase_file) repository.passphraseFile = at(raw.repository.passphrase_file);
  const { repository_max_duration: maxCheck, ...frequencies } = raw.checks ?? {};
  const checks = {
    ...DEFAULTS.checks,
    ...(frequencies as Record<string, Frequency>),
    repositoryMaxDurationSeconds: parseDuration(maxCheck ?? DEFAULTS.repositoryCheckMaxDuration),
  } as GlobalConfig['checks'];
  const rsync: GlobalConfig['rsync'] = {
    ioTimeoutSeconds: parseDuration(raw.rsync?.timeout ?? DEFAULTS.rsyncTimeout),
    attempts: raw.rsync?.attempts ?? DEFAULTS.rsyncAttempts,
    backoffSeconds: parseDuration(raw.rsync?.backoff ?? DEFAULTS.rsyncBackoff),
  };
  if (raw.rsync?.rsync_path) rsync.remotePath = raw.rsync.rsync_path;
  const g: GlobalConfig = {
    file,
    stateDir: at(raw.state_dir ?? DEFAULTS.stateDir),
    hostsDir: at(raw.hosts_dir ?? DEFAULTS.hostsDir),
    repository,
    retention: { ...DEFAULTS.retention, ...raw.retention },
    // At least 2: one host stalled on a silent server (up to its timeouts) must not hold up every other.
    concurrency: raw.concurrency ?? Math.max(2, cpus().length),
    sourceConcurrency: raw.source_concurrency ?? DEFAULTS.sourceConcurrency,
    ssh: {
      identityFile: at(raw.ssh.identity_file),
      knownHosts: at(raw.ssh.known_hosts),
      connectTimeoutSeconds: parseDuration(raw.ssh.connect_timeout ?? DEFAULTS.connectTimeout),
      aliveTimeoutSeconds: parseDuration(raw.ssh.alive_timeout ?? DEFAULTS.aliveTimeout),
    },
    rsync,
    checks,
    drill: {
      sample: raw.drill?.sample ?? DEFAULTS.drillSample,
      maxMissing: raw.drill?.max_missing ?? DEFAULTS.drillMaxMissing,
      database: {
        postgres: connection(raw.drill?.database?.postgres, ENGINE_CONNECTION.postgres, dir),
        mariadb: connection(raw.drill?.database?.mariadb, ENGINE_CONNECTION.mariadb, dir),
      },
    },
    dumpTimeoutSeconds: parseDuration(raw.dump_timeout ?? DEFAULTS.dumpTimeout),
    dumpMaxClockSkewSeconds: parseDuration(raw.dumps?.max_clock_skew ?? DEFAULTS.dumpMaxClockSkew),
    restoreWaitSeconds: parseDuration(raw.restore_wait ?? DEFAULTS.restoreWait),
    schedule: normalizeSchedule(raw.schedule),
    maxShrink: parsePercent(raw.max_shrink ?? DEFAULTS.maxShrink),
    maxShrinkWindowSeconds: parseDuration(raw.max_shrink_window ?? DEFAULTS.maxShrinkWindow),
    notify: normalizeNotify(raw.notify, dir),
    notifyRemindSeconds: parseDuration(raw.notify_remind ?? DEFAULTS.notifyRemind),
    offsite: [],
    ...(raw.metrics?.file ? { metricsFile: at(raw.metrics.file) } : {}),
    logKeepDays: raw.logs?.keep_days ?? DEFAULTS.logKeepDays,
    maxDiskUsage: parsePercent(raw.max_disk_usage ?? DEFAULTS.maxDiskUsage),
    backupHost: raw.backup_host ?? hostname(),
    ...(raw.catalog ? { catalog: { url: raw.catalog.url, ...(raw.catalog.password_file ? { passwordFile: at(raw.catalog.password_file) } : {}) } } : {}),
  };
  g.offsite = normalizeOffsite(raw.offsite, dir, { ssh: g.ssh, passphraseFile: repository.passphraseFile, checks: g.checks });
  return g;
}

function source(raw: RawSource, hostStaleAfter: number, dir: string): SourceConfig {
  const staleAfterSeconds = raw.max_age !== undefined ? parseDuration(raw.max_age) : hostStaleAfter;
  const s: SourceConfig = { name: raw.name, kind: raw.kind as SourceKind, path: raw.path, exclude: [...(raw.exclude ?? DEFAULTS.exclude)], staleAfterSeconds };
  if (raw.kind === 'database') s.maxAgeSeconds = parseDuration(raw.max_age ?? DEFAULTS.maxAge);
  if (raw.database !== undefined) s.database = raw.database;
  if (raw.pattern !== undefined) s.pattern = raw.pattern;
  if (raw.max_shrink !== undefined) s.maxShrink = parsePercent(raw.max_shrink);
  if (raw.dump) {
    const engine = raw.dump.engine as DumpEngine;
    const dump: DumpConfig = {
      engine,
      databases: raw.dump.databases === 'all' ? 'all' : [...raw.dump.databases],
      connection: connection(raw.dump.connection, ENGINE_CONNECTION[engine]),
      keep: raw.dump.keep ?? DEFAULTS.dumpKeep,
    };
    s.dump = dump;
  }
  if (raw.pitr) {
    // MariaDB/MySQL: binary logs instead of WAL, the nightly dump instead of a base backup (docs/pitr.md).
    const engine = s.dump?.engine === 'mariadb' || s.dump?.engine === 'mysql' ? s.dump.engine : 'postgres';
    s.pitr = {
      engine,
      slot: raw.pitr.slot ?? DEFAULTS.pitrSlot,
      maxLagSeconds: parseDuration(raw.pitr.max_lag ?? DEFAULTS.pitrMaxLag),
      connection: connection(raw.pitr.connection, { host: '127.0.0.1', port: engine === 'postgres' ? 5432 : 3306, user: DEFAULTS.pitrUser }, dir),
      ...(raw.pitr.server
        ? { server: { dataDirectory: raw.pitr.server.data_directory.replace(/(.)\/+$/, '$1'), stop: raw.pitr.server.stop.map((a) => [...a]), start: raw.pitr.server.start.map((a) => [...a]), owner: raw.pitr.server.owner ?? 'postgres' } }
        : {}),
    };
  }
  return s;
}

/** The typed host configuration of a schema-valid host file (`file` absolute). */
export function normalizeHost(raw: RawHost, file: string): HostConfig {
  const r = raw.restore ?? {};
  const staleAfterSeconds = parseDuration(raw.max_age ?? DEFAULTS.staleAfter);
  return {
    file,
    name: raw.name,
    address: raw.address,
    port: raw.port ?? DEFAULTS.port,
    user: raw.user,
    ...(raw.keys ? { keys: Object.fromEntries(Object.entries(raw.keys).map(([role, path]) => [role, resolve(dirname(file), path)])) } : {}),
    staleAfterSeconds,
    ...(raw.backup_host ? { backupHost: raw.backup_host } : {}),
    sources: raw.sources.map((s) => source(s, staleAfterSeconds, dirname(file))),
    restore: {
      stopWrites: r.stop_writes ?? [],
      startWrites: r.start_writes ?? [],
      spaceMargin: r.space_margin ?? DEFAULTS.spaceMargin,
      minFreeBytes: parseSize(r.min_free ?? DEFAULTS.minFree),
      checks: (r.checks ?? []).map((c) => {
        const out: HostConfig['restore']['checks'][number] = { name: c.name };
        if (c.sql) out.sql = { ...c.sql };
        if (c.http) out.http = { url: c.http.url, timeoutSeconds: parseDuration(c.http.timeout ?? DEFAULTS.httpTimeout) };
        if (c.command) out.command = [...c.command];
        return out;
      }),
    },
  };
}
