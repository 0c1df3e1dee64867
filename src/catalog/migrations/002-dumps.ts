// Dumps verified by the nightly job (taken by pullback or found in a pulled dump directory).
export const dumps = {
  version: 2,
  name: 'dumps',
  sql: `
CREATE TABLE dumps (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  host TEXT NOT NULL,
  source TEXT NOT NULL,
  file TEXT NOT NULL,              -- relative to the source directory (= path under <source>/ in the archive)
  engine TEXT NOT NULL,            -- postgres | mariadb | mysql | sqlite
  database TEXT NOT NULL,          -- database name, or file path for sqlite
  format TEXT NOT NULL,            -- custom | sql | sqlite | globals
  server_version TEXT,
  started_at TEXT,
  ended_at TEXT,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  row_counts TEXT,                 -- JSON {table: rows} at dump time
  taken INTEGER NOT NULL,          -- 1: taken by pullback in this run; 0: found in a pulled directory
  status TEXT NOT NULL,            -- ok | failed (verification)
  error TEXT,
  record TEXT NOT NULL,            -- JSON DumpRecord as listed in the manifest
  recorded_at TEXT NOT NULL
);
CREATE INDEX dumps_host ON dumps(host, run_id);
`,
};
