// Issue 24 (granular restores): an index of the files of each host's archives, so that `pullback
// find` answers from SQLite instead of listing every item of every archive through borg for each
// query. Each archive indexed gets a sequence number per (repository, host), oldest first; a
// version of a path (its type, mode, owner, size and modification time) is one row holding the
// range of sequence numbers it was seen in (to_seq NULL: still in the newest indexed). A night
// whose files mostly did not change adds rows only for what changed, was added or went away.
export const fileIndex = {
  version: 19,
  name: 'file-index',
  sql: `
CREATE TABLE index_archives (
  id INTEGER PRIMARY KEY,
  repository TEXT NOT NULL,
  host TEXT NOT NULL,
  archive TEXT NOT NULL,
  seq INTEGER NOT NULL,              -- 1, 2, ... per (repository, host), in the order the archives were made
  start TEXT NOT NULL,               -- borg's start time (local, as borg prints it)
  items INTEGER NOT NULL,
  indexed_at TEXT NOT NULL,
  UNIQUE (repository, archive),
  UNIQUE (repository, host, seq)
);
CREATE TABLE index_paths (
  id INTEGER PRIMARY KEY,
  repository TEXT NOT NULL,
  host TEXT NOT NULL,
  path TEXT NOT NULL,                -- as borg lists it (SOURCE/REL/PATH)
  name TEXT NOT NULL,                -- its last name (what a pattern without a slash is matched against)
  UNIQUE (repository, host, path)
);
CREATE TABLE index_versions (
  id INTEGER PRIMARY KEY,
  path_id INTEGER NOT NULL REFERENCES index_paths(id) ON DELETE CASCADE,
  type TEXT NOT NULL,                -- borg's: '-' file, 'd' folder, 'l' symlink, ...
  mode TEXT NOT NULL,                -- as borg lists it (drwxr-xr-x, hrw-r--r-- for a later hard link)
  uid INTEGER NOT NULL,
  gid INTEGER NOT NULL,
  size INTEGER NOT NULL,
  mtime TEXT NOT NULL,               -- borg's isomtime
  from_seq INTEGER NOT NULL,
  to_seq INTEGER                     -- NULL: present in the newest archive indexed
);
CREATE INDEX index_versions_path ON index_versions (path_id, from_seq);
CREATE INDEX index_versions_open ON index_versions (to_seq) WHERE to_seq IS NULL;
`,
};
