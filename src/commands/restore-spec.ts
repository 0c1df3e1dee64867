// The restore command's options and usage, and its dispatch: a point-in-time restore (--at,
// restore-at.ts) or an archive restore or rollback (restore.ts). Its own module so that restore.ts
// does not import restore-at.ts, which builds on restore.ts's carryOut.
import type { CommandSpec } from './spec.js';
import { restoreAtCommand } from './restore-at.js';
import { restoreCommand, restoreOptions } from './restore.js';
import { restoreTableCommand, tableOptions } from './restore-table.js';

export const restoreSpec: CommandSpec = {
  name: 'restore',
  summary: 'restore a host from an archive (checklist, safety snapshot, ordered restore, checks), or roll one back',
  usage:
    'pullback restore --host NAME [--archive NAME|latest] [--to HOST [--map-db OLD=NEW]...] [--only SOURCE,...] [--into DIR] [--from-offsite TARGET] [--dry-run] [--yes] [--force] [--max-age 48h]\n' +
    '       pullback restore --host NAME --only SOURCE --at TIME|latest [--database NAME] [--dry-run] [--yes]\n' +
    '       pullback restore --host NAME --only SOURCE --at TIME|latest --into DIR [--dry-run]\n' +
    '       pullback restore --host NAME --only SOURCE --at TIME|latest --whole-cluster [--dry-run] [--yes]\n' +
    '       pullback restore --host NAME --path SOURCE/PATH [--path ...] [--archive NAME | --before TIME] [--into DIR | --to HOST] [--delete] [--dry-run] [--yes]\n' +
    '       pullback restore --host NAME --only SOURCE --table [SCHEMA.]TABLE [--database NAME] [--as NEW_NAME | --replace [--cascade]] [--archive NAME | --before TIME] [--dry-run] [--yes]\n' +
    '       pullback restore --rollback RESTORE_ID [--dry-run] [--yes]',
  options: {
    host: { type: 'string', short: 'H', value: 'NAME', description: 'the host whose archive is restored (required unless --rollback)' },
    archive: { type: 'string', value: 'NAME', description: "the archive to restore: a name from 'pullback list', or latest (the default)" },
    to: { type: 'string', value: 'HOST', description: 'restore onto this other configured host (sources matched by name)' },
    only: { type: 'string', value: 'SOURCE,...', description: 'restore only these sources or kinds (database or db, blobs, data), comma-separated' },
    'map-db': { type: 'string', multiple: true, value: 'OLD=NEW', description: 'restore database OLD of the archive into database NEW on the target; repeat for several' },
    into: { type: 'string', value: 'DIR', description: 'extract into this local folder instead of the host (no remote changes); it must be new or empty and is made 0700, as the files keep the server\'s owners and modes' },
    'dry-run': { type: 'boolean', description: 'print the plan and the checklist, change nothing' },
    yes: { type: 'boolean', short: 'y', description: 'do not ask for confirmation' },
    force: { type: 'boolean', description: 'restore an archive older than --max-age, or from a repository with a failed check recorded (those items become warnings; an unreadable chunk still stops the restore, and the safety snapshot goes to a separate repository)' },
    'max-age': { type: 'string', value: 'DURATION', description: 'refuse an archive older than this (e.g. 48h, 3d; default 48h)' },
    'from-offsite': { type: 'string', value: 'TARGET', description: "read the archive from this off-site target (rclone: fetched into <state_dir>/offsite and borg-checked first); works without the local repository" },
    rollback: { type: 'string', value: 'RESTORE_ID', description: 'put back the state a restore saved in its safety snapshot' },
    at: { type: 'string', value: 'TIME|latest', description: "point-in-time restore of a source with pitr: to 'YYYY-MM-DD HH:MM:SS' (this host's time zone), latest, xid:ID (just after that transaction) or point:NAME (a pg_create_restore_point); without --into, its database(s) recovered in a scratch cluster and put in place as a nightly dump is; with --into DIR, a recovered data directory and the command that starts it (docs/pitr.md)" },
    'whole-cluster': { type: 'boolean', description: "with --at: replace the server's whole PostgreSQL cluster by its state at TIME (proven in a scratch cluster here first; the old data directory kept aside on the server for --rollback; needs the source's pitr.server, docs/pitr.md)" },
    database: { type: 'string', value: 'NAME', description: 'with --at: the database of the cluster to put back (default: every database the source dumps; the others are left as they are); with --table: the database whose table is restored (needed when the source dumps several)' },
    table: { type: 'string', value: '[SCHEMA.]TABLE', description: "restore one table of a database source's nightly dump (postgres: schema public unless named; mariadb/mysql) into the live database, under a new name unless --replace; its rows are counted against the dump's" },
    as: { type: 'string', value: 'NEW_NAME', description: 'with --table: the name of the restored copy (default: TABLE_restored_YYYYMMDD, the dump\'s day); the live table is not touched' },
    replace: { type: 'boolean', description: 'with --table: put the dump\'s rows in place of the live table\'s, in one transaction, the live rows kept first in TABLE_before_<time>; refused when other tables reference it unless --cascade' },
    cascade: { type: 'boolean', description: 'with --replace (postgres): drop the foreign keys of other tables that reference the table and re-create them afterwards, validated (rows that would break them undo everything)' },
    path: { type: 'string', multiple: true, value: 'SOURCE/PATH', description: 'restore only this file or folder of a source (repeatable); nothing outside the paths is created, changed or deleted' },
    delete: { type: 'boolean', description: 'with --path: inside a selected folder, delete what the archive does not hold (without it, files created since stay)' },
    before: { type: 'string', value: 'TIME', description: 'restore from the newest nightly archive made before TIME (2024-05-01, 2024-05-01T12:00Z, or 2d for two days ago)' },
  },
  handler: (g, v) => {
    if (v.table !== undefined || v.as !== undefined || v.replace || v.cascade) return restoreTableCommand(g, tableOptions(v));
    const o = restoreOptions(v);
    return o.at !== undefined ? restoreAtCommand(g, { host: o.host!, only: o.only, at: o.at, into: o.into, dryRun: o.dryRun, yes: o.yes, wholeCluster: o.wholeCluster, ...(o.database ? { database: o.database } : {}) }) : restoreCommand(g, o);
  },
};
