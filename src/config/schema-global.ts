// Schema of the global file (pullback.yaml): the one source of truth for its keys, defaults, examples and docs.
import { COMPRESSION_PATTERN, DEFAULTS } from './defaults.js';
import { duration, int, localPath, obj, oneOf, str, type SchemaNode } from './schema-node.js';
import { DURATION_PATTERN, PERCENT_PATTERN } from './units.js';
import { scheduleSchema } from './schema-schedule.js';
import { notifySchema } from './schema-notify.js';
import { offsiteSchema } from './schema-offsite.js';

const FREQUENCIES = ['always', 'daily', 'weekly', 'monthly', 'never'];

function frequency(what: string, dflt: string): SchemaNode {
  return oneOf(FREQUENCIES, {
    description: `How often to run ${what}: always (every run), daily, weekly, monthly or never.`,
    default: dflt,
    example: dflt,
  });
}

function drillServer(engine: string, port: number, user: string): SchemaNode {
  return obj(
    {
      host: str({ description: `Address of the ${engine} server drills restore into.`, default: '127.0.0.1', example: '127.0.0.1' }),
      port: int({ description: `Port of the ${engine} server.`, default: port, example: port, minimum: 1, maximum: 65535 }),
      user: str({ description: `User that creates and drops the scratch databases.`, default: user, example: user }),
      password_file: localPath({
        description: `File holding the credentials, never passed on the command line: ${engine === 'postgres' ? 'a .pgpass-format file (host:port:database:user:password; given as PGPASSFILE)' : 'an option file with a [client] section and password=... (given as --defaults-extra-file)'}. None: no password.`,
        example: `/etc/pullback/${engine}-password`,
      }),
    },
    { description: `The ${engine} server scratch databases are created on during drills.` },
  );
}

export const globalSchema: SchemaNode = obj(
  {
    state_dir: localPath({
      description: 'Directory of pullback\'s own state: mirror/ (the pulled copies), catalog.db, logs/ and locks/.',
      default: DEFAULTS.stateDir,
      example: DEFAULTS.stateDir,
    }),
    hosts_dir: localPath({
      description: 'Directory of the host files: every *.yaml and *.yml file in it describes one main server.',
      default: DEFAULTS.hostsDir,
      example: DEFAULTS.hostsDir,
    }),
    repository: obj(
      {
        path: str({
          description: 'Path of the borg repository of each host; {host} is replaced by the host name. Relative paths are resolved against the directory of this file.',
          example: '/srv/borg/{host}',
        }),
        encryption: oneOf(['none', 'repokey', 'repokey-blake2', 'authenticated', 'authenticated-blake2'], {
          description: 'borg encryption mode, used when a repository is initialised on first use.',
          default: DEFAULTS.encryption,
          example: DEFAULTS.encryption,
        }),
        passphrase_file: localPath({
          description: 'File holding the repository passphrase (given to borg by file descriptor, never on the command line). Required unless encryption is none. It must be mode 600 and owned by the user pullback runs as: otherwise every command that opens a repository refuses to start. Keep a copy off the backup host (docs/security.md).',
          example: '/etc/pullback/borg-passphrase',
        }),
        compression: str({
          description: 'borg compression: none, lz4, zstd[,1-22], zlib[,0-9] or lzma[,0-9], optionally prefixed by "auto," (borg then skips data that does not compress).',
          default: DEFAULTS.compression,
          example: 'zstd,22',
          pattern: COMPRESSION_PATTERN,
          patternDescription: 'a borg compression such as lz4, zstd,3, zlib,6, lzma,9 or auto,zstd,10 (zstd levels 1-22, zlib and lzma 0-9)',
        }),
      },
      { description: 'The borg repositories archives are written to: one per host.', required: ['path'] },
    ),
    retention: obj(
      {
        daily: int({ description: 'Daily archives kept per host.', default: DEFAULTS.retention.daily, example: 7, minimum: 0 }),
        weekly: int({ description: 'Weekly archives kept per host.', default: DEFAULTS.retention.weekly, example: 4, minimum: 0 }),
        monthly: int({ description: 'Monthly archives kept per host.', default: DEFAULTS.retention.monthly, example: 6, minimum: 0 }),
      },
      { description: 'How many archives borg prune keeps; at least one of them must be above 0.' },
    ),
    concurrency: int({
      description: 'Hosts worked on at once.',
      defaultText: 'the number of CPUs, at least 2',
      example: 2,
      minimum: 1,
    }),
    source_concurrency: int({
      description:
        "Sources of one host worked on at once (each its dump, pull and checks), while the night's shared SSH connection to the host is up " +
        '(otherwise one by one, so an unreachable host is found once). A pull is bound by the network and the main server, not by the backup ' +
        "host's CPUs (the host's one borg create is); 1 works through them in order.",
      default: DEFAULTS.sourceConcurrency,
      example: 3,
      minimum: 1,
    }),
    ssh: obj(
      {
        identity_file: localPath({ description: 'Private key pullback logs in to the main servers with.', example: '/etc/pullback/id_ed25519' }),
        known_hosts: localPath({
          description: 'OpenSSH known_hosts file with the main servers\' host keys; host keys are always verified.',
          example: '/etc/pullback/known_hosts',
        }),
        connect_timeout: duration(
          { description: 'Time allowed to open an SSH connection (TCP connect and the server\'s greeting).', default: DEFAULTS.connectTimeout, example: DEFAULTS.connectTimeout },
          DURATION_PATTERN,
        ),
        alive_timeout: duration(
          {
            description:
              'Time without any answer from a connected server before ssh gives up (ServerAliveInterval x ServerAliveCountMax): bounds a server that greets and then stalls in the key exchange, and a connection that dies mid-transfer.',
            default: DEFAULTS.aliveTimeout,
            example: DEFAULTS.aliveTimeout,
          },
          DURATION_PATTERN,
        ),
      },
      { description: 'How pullback reaches the main servers.', required: ['identity_file', 'known_hosts'] },
    ),
    rsync: obj(
      {
        timeout: duration(
          { description: 'rsync --timeout: time without any data before a transfer is given up.', default: DEFAULTS.rsyncTimeout, example: DEFAULTS.rsyncTimeout },
          DURATION_PATTERN,
        ),
        attempts: int({
          description: 'Attempts per source when the transfer fails for a transport reason (connection lost, timeout); 1 means no retry.',
          default: DEFAULTS.rsyncAttempts,
          example: DEFAULTS.rsyncAttempts,
          minimum: 1,
        }),
        backoff: duration(
          { description: 'Wait before the first retry; doubled for each further attempt.', default: DEFAULTS.rsyncBackoff, example: DEFAULTS.rsyncBackoff },
          DURATION_PATTERN,
        ),
        rsync_path: str({ description: 'Path of rsync on the main servers, if it is not found as "rsync".', example: '/usr/bin/rsync' }),
      },
      { description: 'How sources are pulled.' },
    ),
    checks: obj(
      {
        repository: frequency('borg check --repository-only', DEFAULTS.checks.repository),
        archives: frequency('borg check --archives-only', DEFAULTS.checks.archives),
        data: frequency('borg check --verify-data (reads every chunk: slow)', DEFAULTS.checks.data),
        drill: frequency('a restore drill of each host', DEFAULTS.checks.drill),
        repository_max_duration: duration(
          {
            description:
              'Time limit of one repository check (borg check --repository-only --max-duration): a large repository is checked a part per night, ' +
              'each night resuming where the last stopped, instead of read whole every night. 0: always a full check (which also checks the index).',
            default: DEFAULTS.repositoryCheckMaxDuration,
            example: DEFAULTS.repositoryCheckMaxDuration,
          },
          DURATION_PATTERN,
        ),
      },
      { description: 'Which checks pullback run performs, and how often.' },
    ),
    drill: obj(
      {
        sample: int({ description: 'Files restored and compared per drill.', default: DEFAULTS.drillSample, example: DEFAULTS.drillSample, minimum: 1 }),
        max_missing: {
          type: 'number',
          minimum: 0,
          maximum: 1,
          description:
            'Share of the sampled files that may be gone from the origin (deleted on the main server since the backup) before the drill is a warning, as a fraction (0.1 = 10%). ' +
            'Missing files are always counted and listed; past this share the drill warns with that reason.',
          default: DEFAULTS.drillMaxMissing,
          examples: [DEFAULTS.drillMaxMissing],
        },
        database: obj(
          { postgres: drillServer('postgres', 5432, 'postgres'), mariadb: drillServer('mariadb', 3306, 'root') },
          { description: 'Database servers drills restore dumps into (MySQL dumps go to the mariadb server).' },
        ),
      },
      { description: 'Restore drills: a sample of files and every database dump restored and compared.' },
    ),
    dump_timeout: duration(
      { description: 'Time a database dump on a main server may take before it is killed.', default: DEFAULTS.dumpTimeout, example: DEFAULTS.dumpTimeout },
      DURATION_PATTERN,
    ),
    dumps: obj(
      {
        max_clock_skew: duration(
          {
            description:
              "How far the time a main server claims for a dump in a cron-filled dump directory (its metadata's end time, else the file's modification time) may lie ahead of this backup host's clock at the pull. " +
              "A dump claiming a later time is refused: the night fails naming it (the server's clock or the file's time is wrong), it is not archived as a dump and no restore chooses it. " +
              'Which dump is the newest is decided by when pullback first saw it, never by the time the server claims.',
            default: DEFAULTS.dumpMaxClockSkew,
            example: DEFAULTS.dumpMaxClockSkew,
          },
          DURATION_PATTERN,
        ),
      },
      { description: 'Dumps found in the dump directories the main servers fill themselves (database sources without dump:).' },
    ),
    restore_wait: duration(
      {
        description: 'How long pullback run waits for a restore or rollback that holds a host to finish before it fails that host (the other hosts go on). A restore started while the run is on a host is refused.',
        default: DEFAULTS.restoreWait,
        example: DEFAULTS.restoreWait,
      },
      DURATION_PATTERN,
    ),
    metrics: obj(
      {
        file: localPath({
          description:
            'Prometheus text file (for node_exporter\'s textfile collector) rewritten atomically after each pullback run, check, prune and drill (and every minute under pullback daemon): per host and source the last success (0 when it never succeeded), max_age and first sight, last status, duration, bytes and files, archive count, the repository\'s size as borg reports it, last check and drill. docs/metrics.md lists the series and the alert rules shipped with pullback (docs/alerts/). None: no metrics are written.',
          example: '/var/lib/node_exporter/pullback.prom',
        }),
      },
      { description: 'Metrics for Prometheus.' },
    ),
    logs: obj(
      {
        keep_days: int({
          description: 'Days of log files kept in <state_dir>/logs (one JSON file per day, pullback-YYYY-MM-DD.log, today included); older ones are deleted when pullback starts.',
          default: DEFAULTS.logKeepDays,
          example: DEFAULTS.logKeepDays,
          minimum: 1,
        }),
      },
      { description: "pullback's own log files (read them with pullback logs)." },
    ),
    max_shrink: str({
      description:
        'Share of a source\'s files or bytes a pull may lose since its last good pull before the source fails (the mass-deletion guard), as a percentage. ' +
          'The pull first copies what is new or changed but deletes nothing (rsync --max-delete=0); when more than this share of the last good pull\'s files would be deleted, or its total size fell by more, the source fails naming the counts, nothing is deleted from the mirror, and the night owes no prune (none follows it). ' +
          '`pullback run --host H --accept-shrink SOURCE` lets a deliberate deletion through. 100% turns the guard off.' +
        ' This is the default of blobs and data sources; database sources (whose dumps rotate) are guarded only by their own max_shrink.',
      default: DEFAULTS.maxShrink,
      example: DEFAULTS.maxShrink,
      pattern: PERCENT_PATTERN,
      patternDescription: 'a percentage from 0% to 100%, such as 50%',
    }),
    max_shrink_window: duration(
      {
        description:
          'How far back the mass-deletion guard also looks: besides the last good pull, a guarded pull compares the source with its figures in the newest archive at least this old (files and total size, as recorded in the catalog), so a source eroded a little every night (45% a night passes max_shrink each time) fails once it has lost more than max_shrink since then. ' +
          'An archive whose pull was let through with --accept-shrink since then is the reference instead: an accepted deletion is not refused again. ' +
          'Nothing is compared before the catalog holds an archive that old. 0 turns this comparison off (the last good pull is still compared).',
        default: DEFAULTS.maxShrinkWindow,
        example: DEFAULTS.maxShrinkWindow,
      },
      DURATION_PATTERN,
    ),
    max_disk_usage: str({
      description:
        'How full (as df counts Use%) a filesystem holding a mirror or a repository may get, as a percentage from 1% to 100%. ' +
        'Before each pullback run, every such filesystem is measured once (a mirror and a repository on the same one are counted together) and its usage after tonight\'s expected growth is compared with this: ' +
        'the growth is the largest pull and the largest archive of the last 7 runs of each host on it (with no history: the whole mirror for a first archive; a source never pulled counts as 0, and the run says so), plus room for borg to compact and commit (a segment rewrite, 4 × the index, the repository\'s additional_free_space). ' +
        'Hosts with anything on a filesystem that would pass it are refused (failed, exit 1) before anything is pulled, archived, pruned or deleted, with a message naming the filesystem, its size, used, free, the expected growth and the limit; hosts on other filesystems run. ' +
        'At 100% only growth beyond the free space is refused.',
      default: DEFAULTS.maxDiskUsage,
      example: '90%',
      pattern: '^(100(\\.0+)?|[1-9][0-9]?(\\.[0-9]+)?)%$',
      patternDescription: 'a percentage from 1% to 100%, such as 95%',
    }),
    schedule: scheduleSchema,
    notify: notifySchema,
    notify_remind: duration(
      {
        description:
          'How often `pullback status --notify` reminds the notifiers of a host, source or off-site copy that stays stale. ' +
          'A change of state is sent when status first sees it (fresh to stale: a stale event; stale to fresh: a recovered event); while it stays stale, ' +
          'the stale event is sent again once this long has passed since the last one delivered, however often status runs (an hourly cron sends one a day by default). ' +
          'An event a notifier did not take is sent again at the next status --notify. 0: no reminders, only changes.',
        default: DEFAULTS.notifyRemind,
        example: '12h',
      },
      DURATION_PATTERN,
    ),
    offsite: offsiteSchema,
    backup_host: str({
      description:
        "This backup host's name in a fleet sharing one PostgreSQL catalog (catalog.url): the key of its rows there, of its heartbeat and of the leases it holds; a host file's backup_host names its home backup host. Unique in the fleet.",
      defaultText: "the machine's host name (os.hostname())",
      example: 'backup-1',
      pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
      patternDescription: 'letters, digits, dots, dashes and underscores, starting with a letter or digit',
    }),
    catalog: obj(
      {
        url: str({
          description:
            "The fleet's PostgreSQL catalog, postgres://USER@HOST:PORT/DATABASE (no password in it: password_file). The local SQLite catalog (state_dir/catalog.db) stays this backup host's journal, written first; every command then pushes what changed into PostgreSQL, where status shows the whole fleet and leases keep two backup hosts off one main server. Unreachable, a night runs locally (its home servers) and the next command catches up (docs/fleet.md).",
          example: 'postgres://pullback@catalog.example.net:5432/pullback',
          pattern: '^postgres(ql)?://[^:@/]+@[^/]+/[^/?]+$',
          patternDescription: 'postgres://USER@HOST[:PORT]/DATABASE, without a password',
        }),
        password_file: localPath({
          description: "File holding the catalog user's password (its first line), read by pullback and handed to the PostgreSQL client in memory: never on a command line nor in a log. None: no password (trust or peer authentication).",
          example: '/etc/pullback/catalog-password',
        }),
      },
      { description: 'A PostgreSQL catalog shared by a fleet of backup hosts. None: the local SQLite catalog alone.', required: ['url'] },
    ),
  },
  { description: 'Where pullback keeps its state and repositories, how it reaches the main servers, what it keeps and checks.', required: ['repository', 'ssh'] },
);
