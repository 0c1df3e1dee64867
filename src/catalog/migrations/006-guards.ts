// Issue 9 guards: the borg repository id first seen at each repository path (a missing or different
// repository later fails loudly instead of being created again), and each source's last good pull
// (what a mass deletion on the main server is measured against).
export const guards = {
  version: 6,
  name: 'guards',
  sql: `
CREATE TABLE repositories (
  repository TEXT PRIMARY KEY,     -- path or URL, as configured
  repo_id TEXT NOT NULL,           -- borg's repository id (hex)
  recorded_at TEXT NOT NULL,
  how TEXT NOT NULL                -- created | first-seen | init | adopted
);
CREATE TABLE pull_baselines (
  host TEXT NOT NULL,
  source TEXT NOT NULL,
  run_id INTEGER,
  files INTEGER NOT NULL,          -- rsync's "Number of files" of the source (directories and links included)
  bytes INTEGER NOT NULL,          -- rsync's "Total file size"
  recorded_at TEXT NOT NULL,
  PRIMARY KEY (host, source)
);
`,
};
