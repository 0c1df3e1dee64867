// Runs, per-host results, per-step results, archives and the last time each check ran.
export const core = {
  version: 1,
  name: 'core',
  sql: `
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,              -- run | check | prune | restore | drill
  started_at TEXT NOT NULL,
  ended_at TEXT,
  status TEXT NOT NULL,            -- running | ok | warning | failed | interrupted
  pid INTEGER,
  args TEXT,
  error TEXT
);
CREATE TABLE host_results (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  host TEXT NOT NULL,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  status TEXT NOT NULL,
  archive TEXT,
  error TEXT
);
CREATE INDEX host_results_host ON host_results(host, started_at);
CREATE TABLE steps (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  host TEXT NOT NULL,
  step TEXT NOT NULL,              -- pull | dump | verify | archive | prune | compact | check | ...
  source TEXT,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  status TEXT NOT NULL,            -- running | ok | warning | failed | skipped
  bytes INTEGER,
  files INTEGER,
  exit_code INTEGER,
  error TEXT,
  details TEXT                     -- JSON
);
CREATE INDEX steps_run ON steps(run_id, host);
CREATE TABLE archives (
  id INTEGER PRIMARY KEY,
  repository TEXT NOT NULL,
  host TEXT NOT NULL,
  name TEXT NOT NULL,
  run_id INTEGER REFERENCES runs(id),
  created_at TEXT NOT NULL,
  original_size INTEGER,
  compressed_size INTEGER,
  deduplicated_size INTEGER,
  nfiles INTEGER,
  manifest TEXT,                   -- JSON: .pullback/manifest.json as archived
  pruned_at TEXT,
  UNIQUE(repository, name)
);
CREATE TABLE check_history (
  repository TEXT NOT NULL,
  kind TEXT NOT NULL,              -- repository | archives | data | drill
  last_run_at TEXT NOT NULL,
  status TEXT NOT NULL,
  PRIMARY KEY (repository, kind)
);
`,
};
