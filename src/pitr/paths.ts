// Where point-in-time recovery keeps its files on the backup host: per source, the received WAL and
// the tunnel's socket under <state_dir>/pitr/<host>/<source>/, and what the night archives (the
// newest base backup and the WAL it needs) under the host's mirror, in `.pitr/<source>/`.
import { join } from 'node:path';
import type { GlobalConfig } from '../config/types.js';
import { hostMirrorDir } from '../job/context.js';

/** The top folder of the archive that holds every source's base backup and WAL. */
export const ARCHIVE_PITR_DIR = '.pitr';

export function pitrStateDir(global: GlobalConfig, host: string, source: string): string {
  return join(global.stateDir, 'pitr', host, source);
}

/** The WAL pg_receivewal writes (segments, `.partial`, timeline history files). */
export function walDir(global: GlobalConfig, host: string, source: string): string {
  return join(pitrStateDir(global, host, source), 'wal');
}

/** The private directory of the receiver's tunnel socket (`.s.PGSQL.<port>`). */
export function receiverSocketDir(global: GlobalConfig, host: string, source: string): string {
  return join(pitrStateDir(global, host, source), 'sock');
}

/** `<mirror>/<host>/.pitr/<source>`: what the night's archive holds of the source's PITR. */
export function mirrorPitrDir(global: GlobalConfig, host: string, source: string): string {
  return join(hostMirrorDir(global, host), ARCHIVE_PITR_DIR, source);
}

/** The paths inside an archive: the base backup and its WAL. */
export function archivedPitrPaths(source: string): { base: string; wal: string } {
  return { base: `${ARCHIVE_PITR_DIR}/${source}/base`, wal: `${ARCHIVE_PITR_DIR}/${source}/wal` };
}

/** The binary logs mariadb-binlog writes (MariaDB/MySQL sources), each under the server's own name. */
export function binlogDir(global: GlobalConfig, host: string, source: string): string {
  return join(pitrStateDir(global, host, source), 'binlog');
}

/** The path inside an archive of a MariaDB/MySQL source's binary logs. */
export function archivedBinlogPath(source: string): string {
  return `${ARCHIVE_PITR_DIR}/${source}/binlog`;
}
