// The external programs pullback runs on the backup host, as a table: how each says its version,
// the oldest version pullback works with, what it must support, and the package that brings it.
// Pure: the doctor's probes run `argv` and hand the text to `read`.

export interface ToolSpec {
  /** The program's name on PATH. */
  name: string;
  /** Arguments that make it print its version (on stdout or stderr). */
  versionArgs: string[];
  /** What to install when it is missing or too old (Debian/Ubuntu package names). */
  install: string;
  /** The oldest version pullback works with, as [major, minor]. */
  minVersion?: [number, number];
  /** The newest major version pullback speaks (borg 2 has another command line). */
  maxMajor?: number;
  /** The version in its output, or undefined when it cannot be read. */
  version: (text: string) => string | undefined;
  /** Capabilities pullback needs that its output says it lacks (rsync without ACLs or xattrs). */
  missing?: (text: string) => string[];
}

const first = (re: RegExp) => (text: string) => re.exec(text)?.[1];

/** rsync's capability list names what it was built without as `no NAME`; older builds omit the name. */
function rsyncMissing(text: string): string[] {
  const caps = text.split(/Capabilities:/)[1]?.split(/\n\s*\n|Optimizations:|Checksum list:/)[0] ?? text;
  return ['ACLs', 'xattrs'].filter((c) => new RegExp(`\\bno ${c}\\b`).test(caps) || !new RegExp(`\\b${c}\\b`).test(caps));
}

export const TOOLS = {
  borg: { name: 'borg', versionArgs: ['--version'], install: 'install borgbackup 1.2 or newer 1.x (apt install borgbackup)', minVersion: [1, 2], maxMajor: 1, version: first(/^borg\S*\s+(\d+\.\d+\.\d+\S*)/m) },
  rsync: {
    name: 'rsync',
    versionArgs: ['--version'],
    install: 'install rsync 3.1 or newer built with ACL and xattr support (apt install rsync)',
    minVersion: [3, 1],
    version: first(/rsync\s+version\s+v?(\d+\.\d+\.\d+\S*)/),
    missing: rsyncMissing,
  },
  ssh: { name: 'ssh', versionArgs: ['-V'], install: 'install the OpenSSH client 7.6 or newer (apt install openssh-client)', minVersion: [7, 6], version: first(/OpenSSH_(\d+\.\d+\S*)/) },
  getfattr: { name: 'getfattr', versionArgs: ['--version'], install: 'install getfattr (apt install attr): drills compare extended attributes with it', version: first(/getfattr\s+(\d+\.\d+\S*)/) },
  pg_dump: { name: 'pg_dump', versionArgs: ['--version'], install: 'install the PostgreSQL client tools (apt install postgresql-client)', version: first(/\(PostgreSQL\)\s+(\d+\S*)/) },
  pg_restore: { name: 'pg_restore', versionArgs: ['--version'], install: 'install the PostgreSQL client tools (apt install postgresql-client)', version: first(/\(PostgreSQL\)\s+(\d+\S*)/) },
  psql: { name: 'psql', versionArgs: ['--version'], install: 'install the PostgreSQL client tools (apt install postgresql-client)', version: first(/\(PostgreSQL\)\s+(\d+\S*)/) },
  pg_receivewal: { name: 'pg_receivewal', versionArgs: ['--version'], install: 'install the PostgreSQL client tools (apt install postgresql-client)', version: first(/\(PostgreSQL\)\s+(\d+\S*)/) },
  pg_basebackup: { name: 'pg_basebackup', versionArgs: ['--version'], install: 'install the PostgreSQL client tools (apt install postgresql-client)', version: first(/\(PostgreSQL\)\s+(\d+\S*)/) },
  mariadb: { name: 'mariadb', versionArgs: ['--version'], install: 'install the MariaDB client (apt install mariadb-client)', version: first(/(?:Distrib|from)\s+(\d+\.\d+\.\d+\S*)/) },
  'mariadb-dump': { name: 'mariadb-dump', versionArgs: ['--version'], install: 'install the MariaDB client (apt install mariadb-client)', version: first(/(?:Distrib|from)\s+(\d+\.\d+\.\d+\S*)/) },
  'mariadb-binlog': { name: 'mariadb-binlog', versionArgs: ['--version'], install: 'install the MariaDB client (apt install mariadb-client)', version: first(/Ver\s+(\d+\.\d+\S*)/) },
  mariadbd: { name: 'mariadbd', versionArgs: ['--version'], install: 'install the MariaDB server package (apt install mariadb-server; its service may stay disabled): restore --at runs a scratch server', version: first(/Ver\s+(\d+\.\d+\.\d+\S*)/) },
  mysqlbinlog: { name: 'mysqlbinlog', versionArgs: ['--version'], install: 'install the MySQL client (apt install default-mysql-client)', version: first(/Ver\s+(\d+\.\d+\S*)/) },
  mysql: { name: 'mysql', versionArgs: ['--version'], install: 'install the MySQL client (apt install default-mysql-client)', version: first(/(?:Distrib|Ver)\s+(\d+\.\d+\.\d+\S*)/) },
  mysqldump: { name: 'mysqldump', versionArgs: ['--version'], install: 'install the MySQL client (apt install default-mysql-client)', version: first(/(?:Distrib|Ver)\s+(\d+\.\d+\.\d+\S*)/) },
  sqlite3: { name: 'sqlite3', versionArgs: ['--version'], install: 'install the SQLite shell (apt install sqlite3)', version: first(/^(\d+\.\d+\.\d+)/) },
  rclone: { name: 'rclone', versionArgs: ['version'], install: 'install rclone (apt install rclone)', version: first(/^rclone\s+v?(\d+\.\d+\S*)/) },
} satisfies Record<string, ToolSpec>;

export type ToolName = keyof typeof TOOLS;

/** The local client programs a database engine's sources need (dump verification, drills, restores). */
export const ENGINE_TOOLS: Record<string, ToolName[]> = {
  postgres: ['pg_dump', 'pg_restore', 'psql'],
  mariadb: ['mariadb', 'mariadb-dump'],
  mysql: ['mysql', 'mysqldump'],
  sqlite: ['sqlite3'],
};

/** Whether `version` (1.2.4, 9.2p1) is at least [major, minor]; undefined when it cannot be read. */
export function versionAtLeast(version: string, min: [number, number]): boolean | undefined {
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (!m) return undefined;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > min[0] || (major === min[0] && minor >= min[1]);
}
