// Schema of a host file (hosts/<name>.yaml): one main server, its sources and how to restore it.
import { DEFAULTS, NAME_PATTERN, NAME_RULE } from './defaults.js';
import { argv, duration, int, list, localPath, obj, oneOf, remotePath, size, str, type SchemaNode } from './schema-node.js';
import { DURATION_PATTERN, PERCENT_PATTERN, SIZE_PATTERN } from './units.js';

const connection = obj(
  {
    host: str({ description: 'Database server address, as seen from the main server.', default: '127.0.0.1', example: '127.0.0.1' }),
    port: int({ description: 'Database server port.', defaultText: '5432 for postgres, 3306 for mariadb and mysql', example: 5432, minimum: 1, maximum: 65535 }),
    user: str({ description: 'User the dump runs as.', defaultText: 'postgres for postgres, root for mariadb and mysql', example: 'postgres' }),
    password_file: remotePath({
      description:
        "File on the main server holding the credentials in the engine's own format, never passed on the command line: for postgres a .pgpass-format file (host:port:database:user:password, mode 0600; given as PGPASSFILE), for mariadb and mysql an option file with a [client] section and password=... (given as --defaults-extra-file). None: the SSH user's own ~/.pgpass or ~/.my.cnf, or no password.",
      example: '/etc/pullback/db-password',
    }),
  },
  { description: 'How the dump reaches the database server; ignored for sqlite.' },
);

const dump = obj(
  {
    engine: oneOf(['postgres', 'mariadb', 'mysql', 'sqlite'], { description: 'Database engine.', example: 'postgres' }),
    databases: {
      type: ['array', 'string'],
      items: { type: 'string', minLength: 1 },
      minItems: 1,
      pattern: '^all$',
      patternDescription: 'a list of database names, or "all"',
      description:
        'Databases to dump: a list of names, or "all" (postgres, mariadb, mysql). With "all", only databases with plain names (letters, digits, _ . - $, at most 64 characters, not starting with . or -) are dumped, the only names a restricted dump key accepts from the server: any other database makes the source fail, naming it; list such a database by name to dump it. For sqlite: absolute paths of the database files.',
      examples: [['appdb']],
    },
    connection,
    keep: int({ description: 'Dumps kept on the main server (older ones are deleted).', default: DEFAULTS.dumpKeep, example: DEFAULTS.dumpKeep, minimum: 1 }),
  },
  {
    description:
      'pullback takes the dump itself, over SSH, just before the pull (database sources only). Each dump is named `<database>-<UTC time><ext>` ' +
      '(.pgdump: pg_dump custom format; .sql: mariadb-dump/mysqldump; .sqlite: the SQLite online backup; with postgres "all" also `@globals-<time>.sql`, the roles), ' +
      'written under a hidden temporary name and renamed when complete, with `<file>.meta.json` beside it (engine, server version, times, size, SHA-256, row counts). ' +
      'After the pull each dump is checked (SHA-256, then pg_restore, the completion trailer or PRAGMA integrity_check); a bad dump fails the host.',
    required: ['engine', 'databases'],
  },
);

const pitr = obj(
  {
    slot: str({
      description:
        'PostgreSQL only (MariaDB/MySQL binary logs are read without a slot: set the server\'s binlog_expire_logs_seconds long enough, docs/pitr.md). Physical replication slot on the main server that pg_receivewal streams from (created by pullback when missing). The slot makes the server keep every WAL segment the backup host has not received yet: set `max_slot_wal_keep_size` on the server (docs/pitr.md) so a backup host away for long cannot fill its disk; the slot is then lost, which pullback reports red (a gap in the WAL) until the next base backup starts a new window.',
      default: DEFAULTS.pitrSlot,
      example: DEFAULTS.pitrSlot,
      pattern: '^[a-z0-9_]{1,63}$',
      patternDescription: 'a slot name: 1 to 63 lower-case letters, digits and _',
    }),
    max_lag: duration(
      {
        description:
          'How old the newest point the received WAL (or binary log) reaches may be before `pullback status` shows the source red: the receiver stopped, the tunnel is down, or it falls behind the server.',
        default: DEFAULTS.pitrMaxLag,
        example: DEFAULTS.pitrMaxLag,
      },
      DURATION_PATTERN,
    ),
    connection: obj(
      {
        host: str({ description: 'Database server address as seen from the main server (the SSH tunnel\'s far end; never opened to the network).', default: '127.0.0.1', example: '127.0.0.1' }),
        port: int({ description: 'Database server port on the main server.', defaultText: '5432 (postgres), 3306 (mariadb, mysql)', example: 5432, minimum: 1, maximum: 65535 }),
        user: str({
          description:
            'The replication login: PostgreSQL a role WITH LOGIN REPLICATION and nothing else; MariaDB a user with REPLICATION SLAVE and BINLOG MONITOR only (MySQL: REPLICATION SLAVE, REPLICATION CLIENT), docs/pitr.md.',
          default: DEFAULTS.pitrUser,
          example: DEFAULTS.pitrUser,
        }),
        password_file: localPath({
          description:
            'File on the backup host (pg_receivewal and pg_basebackup, or mariadb-binlog, run here) holding the replication password, mode 0600, never on the command line: PostgreSQL in .pgpass format (`*:*:*:USER:PASSWORD`, given as PGPASSFILE); MariaDB/MySQL an option file (`[client]` then `password=PASSWORD`, given as --defaults-extra-file). None: no password (trust or peer on the server).',
          example: '/etc/pullback/main-server-replication.pgpass',
        }),
      },
      { description: 'The replication login pg_receivewal and pg_basebackup use through the host\'s SSH connection (a forwarded local socket).' },
    ),
    server: obj(
      {
        data_directory: remotePath({
          description:
            "The server's PostgreSQL data directory (absolute, on the main server). `restore --at T --whole-cluster` checks it against the running server's `SHOW data_directory`, moves it aside to `DATA_DIRECTORY.pullback-before-restore-ID` (same file system: a rename) and puts the recovered cluster in its place, owned by `owner`, mode 0700.",
          example: '/var/lib/postgresql/15/main',
        }),
        stop: list(argv('A command and its arguments.'), {
          description: "Commands (argv lists) run on the main server over SSH (the restore key) that stop the server's PostgreSQL and return once it is stopped.",
          example: [['systemctl', 'stop', 'postgresql@15-main']],
        }),
        start: list(argv('A command and its arguments.'), {
          description: "Commands (argv lists) run on the main server over SSH that start the server's PostgreSQL and return once it accepts connections (pg_ctl -w, systemctl).",
          example: [['systemctl', 'start', 'postgresql@15-main']],
        }),
        owner: str({ description: 'The user (and its group) the data directory belongs to on the main server.', default: 'postgres', example: 'postgres' }),
      },
      {
        description:
          'PostgreSQL only: the server whose whole cluster `pullback restore --host H --only SOURCE --at TIME --whole-cluster` replaces (docs/pitr.md, "Restore the whole cluster onto the server"). Without it, --whole-cluster is refused.',
        required: ['data_directory', 'stop', 'start'],
      },
    ),
  },
  {
    description:
      'Point-in-time recovery of this database server (docs/pitr.md). PostgreSQL: `pullback daemon` receives its WAL continuously with pg_receivewal through the host\'s SSH connection, and each nightly run takes a base backup with pg_basebackup; both are archived with the source. `pullback restore --host H --only SOURCE --at TIME --into DIR` then recovers the cluster to any second between the oldest base backup kept and the newest WAL received; with `server:`, `--whole-cluster` replaces the server\'s whole cluster by it. ' +
      'MariaDB/MySQL (the source\'s dump engine): `pullback daemon` receives the binary logs continuously with `mariadb-binlog --read-from-remote-server --raw --stop-never` (mysqlbinlog) through the same tunnel, the nightly dump records its binary log position (`--master-data=2`), and `restore --at TIME` loads the dump and replays the logs up to TIME in a scratch server, then restores the result as a nightly dump (fresh database, swap, rollback). The server needs `log_bin` and `binlog_format=ROW`.',
    example: { slot: DEFAULTS.pitrSlot, max_lag: DEFAULTS.pitrMaxLag, connection: { user: DEFAULTS.pitrUser, password_file: '/etc/pullback/main-server-replication.pgpass' } },
  },
);

const source = obj(
  {
    name: str({ description: `Source name, unique within the host: the folder of the source in archives (${NAME_RULE}).`, example: 'db', pattern: NAME_PATTERN, patternDescription: NAME_RULE }),
    kind: oneOf(['database', 'blobs', 'data'], { description: 'What the source holds; fixes the restore order (database, then blobs, then data).', example: 'database' }),
    path: remotePath({ description: 'Directory on the main server that is pulled.', example: '/datajoint-db/dumps' }),
    exclude: list({ type: 'string', minLength: 1 }, { description: 'rsync exclude patterns.', default: DEFAULTS.exclude, example: ['*.tmp'] }),
    max_age: duration(
      {
        description:
          'Database sources only: for a directory filled by the server itself (no dump), the newest dump (by the end time in its .meta.json, else its modification time) must be younger than this; a directory with no dump fails. ' +
          'Only files recognised as dumps count (by their format: pg_dump custom or SQL, pg_dumpall, mariadb-dump/mysqldump SQL, SQLite, also gzip/zstd/xz/bzip2-compressed; or by `pattern`): other files (logs, READMEs) are a warning naming each, never a fresh dump. ' +
          'Dumps written within max_age are checked against their .meta.json SHA-256, if any, and for readability: the engine\'s own check when their format is recognised, the compressor reading them whole (and the SQL trailer) when compressed. ' +
          'Every source: `pullback status` and the report show the source red (stale) when its last successful backup (pulled, verified and archived) is older than this.',
        defaultText: `the host's max_age (${DEFAULTS.staleAfter}); for the dump age of database sources ${DEFAULTS.maxAge}`,
        example: DEFAULTS.maxAge,
      },
      DURATION_PATTERN,
    ),
    database: str({
      description:
        'Database sources filled by the server itself (no dump) only: the database their dumps restore into (for sqlite: the database file path). ' +
        'Without it, the name written inside the dump is used (pg_dump custom format and mariadb-dump/mysqldump carry one), never the file name.',
      example: 'appdb',
      pattern: '.',
      patternDescription: 'a database name (not empty)',
    }),
    pattern: str({
      description:
        'Database sources filled by the server itself (no dump) only: a glob (`*` and `?` within a name, `**` across directories; without `/` it matches file names) saying which files are dumps. ' +
        'Files matching it count as dumps (checked for age and readability even when their format is not recognised); every other file is a warning. Without it, files count as dumps by their format.',
      example: '*.sql.gz',
      pattern: '.',
      patternDescription: 'a glob (not empty)',
    }),
    max_shrink: str({
      description:
        'Share of a source\'s files or bytes a pull may lose since its last good pull before the source fails (the mass-deletion guard), as a percentage. ' +
          'The pull first copies what is new or changed but deletes nothing (rsync --max-delete=0); when more than this share of the last good pull\'s files would be deleted, or its total size fell by more, the source fails naming the counts, nothing is deleted from the mirror, and the night owes no prune (none follows it). ' +
          '`pullback run --host H --accept-shrink SOURCE` lets a deliberate deletion through. 100% turns the guard off.',
      defaultText: 'the global max_shrink (50%) for blobs and data sources; none (100%) for database sources, whose dumps rotate',
      example: '20%',
      pattern: PERCENT_PATTERN,
      patternDescription: 'a percentage from 0% to 100%, such as 50%',
    }),
    dump,
    pitr,
  },
  { description: 'One directory pulled from the main server.', required: ['name', 'kind', 'path'] },
);

const check = obj(
  {
    name: str({ description: 'Name of the check, shown in restore and drill reports.', example: 'users present' }),
    sql: obj(
      {
        source: str({ description: 'Name of the database source of this host the query runs against.', example: 'db' }),
        database: str({ description: 'Database (name, or file path for sqlite) the query runs in.', example: 'appdb' }),
        query: str({ description: 'SQL query returning a single value.', example: 'select count(*) > 0 from users' }),
        expect: str({ description: 'The value the query must return, as text.', example: 't' }),
      },
      { description: 'A SQL query against a restored database, with its expected value.', required: ['source', 'database', 'query', 'expect'] },
    ),
    http: obj(
      {
        url: str({ description: 'HTTP(S) URL that must answer with a 2xx status.', example: 'http://10.0.0.5/health', pattern: '^https?://', patternDescription: 'an http:// or https:// URL' }),
        timeout: duration({ description: 'Time allowed for the answer.', default: DEFAULTS.httpTimeout, example: DEFAULTS.httpTimeout }, DURATION_PATTERN),
      },
      { description: 'A readiness probe over HTTP.', required: ['url'] },
    ),
    command: argv('A command (argv list) run on the target over SSH that must exit 0.'),
  },
  { description: 'A post-restore check: a name and exactly one of sql, http or command.', required: ['name'] },
);

export const hostSchema: SchemaNode = obj(
  {
    name: str({ description: `Host name, used in archive and repository names (${NAME_RULE}).`, example: 'main-server', pattern: NAME_PATTERN, patternDescription: NAME_RULE }),
    address: str({
      description: 'Address (IP or DNS name) pullback connects to over SSH.',
      example: '10.0.0.5',
      // ssh and rsync would read a leading dash as an option; spaces, @ and / are never part of an address.
      pattern: '^[A-Za-z0-9_:.\\[\\]%][A-Za-z0-9_:.\\[\\]%-]*$',
      patternDescription: 'an IP address or DNS name (letters, digits, ".", ":", "-", not starting with "-")',
    }),
    port: int({ description: 'SSH port.', default: DEFAULTS.port, example: 22, minimum: 1, maximum: 65535 }),
    max_age: duration(
      {
        description:
          'How old the host\'s last successful backup may be before `pullback status` shows it red (stale) and exits 1, and stale events are sent; also the default max_age of its sources. Staleness needs no run to be noticed.',
        default: DEFAULTS.staleAfter,
        example: DEFAULTS.staleAfter,
      },
      DURATION_PATTERN,
    ),
    backup_host: str({
      description:
        "Its home backup host in a fleet sharing one PostgreSQL catalog (the global file's backup_host of that backup host): only its home backs it up; another backup host listing it skips it. A takeover recorded in the fleet catalog (pullback fleet takeover) overrides it while PostgreSQL answers (docs/fleet.md). None: any backup host whose hosts_dir lists it, under a lease.",
      example: 'backup-1',
      pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
      patternDescription: 'letters, digits, dots, dashes and underscores, starting with a letter or digit',
    }),
    user: str({
      description: 'User pullback logs in as.',
      example: 'backup',
      // A login name, never an option or a user@host: ssh and rsync get it as one argument.
      pattern: '^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}[$]?$',
      patternDescription: 'a login name (letters, digits, ".", "_" and "-", not starting with "." or "-")',
    }),
    keys: obj(
      {
        pull: localPath({
          description: 'Private key for pulls (rsync of the source paths, the login check before a run, drill comparisons with the origin). Its line from `pullback hosts authorize` allows only reading the source paths.',
          defaultText: 'the global ssh identity_file',
          example: '/etc/pullback/keys/main-server-pull',
        }),
        dump: localPath({
          description: 'Private key for taking dumps (the configured dump commands and their rotation). Its line from `pullback hosts authorize` allows only those.',
          defaultText: 'the global ssh identity_file',
          example: '/etc/pullback/keys/main-server-dump',
        }),
        restore: localPath({
          description: 'Private key for restores onto this host (writes below the source paths, probes, stop/start_writes, checks). Its line from `pullback hosts authorize` is meant to be installed only during an incident.',
          defaultText: 'the global ssh identity_file',
          example: '/etc/pullback/keys/main-server-restore',
        }),
        wal: localPath({
          description:
            'Private key of the SSH tunnel of point-in-time recovery (sources with pitr: the WAL receiver and the nightly base backup reach the database server through it). Its line from `pullback hosts authorize` allows only forwarding to each pitr connection\'s host and port: no command, no shell.',
          defaultText: 'the global ssh identity_file',
          example: '/etc/pullback/keys/main-server-wal',
        }),
      },
      { description: 'Which private key each role logs in with (relative paths are resolved against this file), so each can be restricted on the server to what it needs: see docs/security.md, "Least privilege on the main servers".' },
    ),
    sources: {
      ...list(source, {
        description: 'Directories pulled from this host.',
        example: [
          { name: 'db', kind: 'database', path: '/datajoint-db/dumps', dump: { engine: 'postgres', databases: ['appdb'] } },
          { name: 'blobs', kind: 'blobs', path: '/datajoint-db/blobs' },
          { name: 'data', kind: 'data', path: '/datajoint-data', exclude: ['*.tmp'] },
        ],
        minItems: 1,
      }),
    },
    restore: obj(
      {
        stop_writes: list(argv('A command and its arguments.'), {
          description: 'Commands (argv lists) run on the target over SSH before a restore changes anything.',
          default: [],
          example: [['systemctl', 'stop', 'app']],
        }),
        start_writes: list(argv('A command and its arguments.'), {
          description: 'Commands (argv lists) run on the target at the end of a restore, also after a failure.',
          default: [],
          example: [['systemctl', 'start', 'app']],
        }),
        space_margin: {
          type: 'number',
          minimum: 0,
          description: 'Extra free space demanded on the target, as a fraction of the restored size (0.1 = 10%).',
          default: DEFAULTS.spaceMargin,
          examples: [DEFAULTS.spaceMargin],
        },
        min_free: size({ description: 'Free space (bytes, or e.g. 512M, 2G) demanded on the target beyond the restored size.', default: DEFAULTS.minFree, example: '1G' }, SIZE_PATTERN),
        checks: list(check, {
          description: 'Checks run after a restore (and in drills, for sql checks).',
          default: [],
          example: [
            { name: 'users present', sql: { source: 'db', database: 'appdb', query: 'select count(*) > 0 from users', expect: 't' } },
            { name: 'app answers', http: { url: 'http://10.0.0.5/health', timeout: '10s' } },
            { name: 'service active', command: ['systemctl', 'is-active', 'app'] },
          ],
        }),
      },
      { description: 'How to restore this host.' },
    ),
  },
  { description: 'One main server: how to reach it, what to pull from it, how to restore it.', required: ['name', 'address', 'user', 'sources'] },
);
