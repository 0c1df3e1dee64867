// Restore drills: one row per host per drill, what was sampled, restored and compared, and how it went.
export const drills = {
  version: 4,
  name: 'drills',
  sql: `
CREATE TABLE drills (
  id INTEGER PRIMARY KEY,
  run_id INTEGER REFERENCES runs(id),
  host TEXT NOT NULL,
  repository TEXT NOT NULL,
  archive TEXT,
  seed TEXT NOT NULL,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  status TEXT NOT NULL,              -- running | ok | warning | failed | interrupted
  files_sampled INTEGER NOT NULL DEFAULT 0,
  sampled TEXT,                      -- JSON: the sampled paths (first 1000), to see what a drill proved
  bytes_restored INTEGER NOT NULL DEFAULT 0,
  matches INTEGER NOT NULL DEFAULT 0,
  mismatches TEXT,                   -- JSON: [{path, reason}]
  changed_since_backup INTEGER NOT NULL DEFAULT 0,
  changed TEXT,                      -- JSON: [{path, reason}]
  databases TEXT,                    -- JSON: per-dump restore results
  duration_ms INTEGER,
  error TEXT
);
CREATE INDEX drills_host ON drills(host, started_at);
`,
};
