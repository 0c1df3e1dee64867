// Issue 13 off-site copies: every copy, verification and refusal per host and target, so status,
// the report and the metrics can say how old each host's newest verified off-site copy is.
export const offsite = {
  version: 8,
  name: 'offsite',
  sql: `
CREATE TABLE offsite_copies (
  id INTEGER PRIMARY KEY,
  run_id INTEGER,                  -- the run or command that made it (NULL: none)
  host TEXT NOT NULL,
  target TEXT NOT NULL,            -- the offsite target's name
  kind TEXT NOT NULL,              -- copy | verify
  location TEXT NOT NULL,          -- the remote or repository URL (no secrets: credentials live in rclone.conf)
  started_at TEXT NOT NULL,
  ended_at TEXT NOT NULL,
  duration_ms INTEGER NOT NULL,
  status TEXT NOT NULL,            -- ok | failed | refused (a guard stopped it) | skipped (window, check)
  bytes INTEGER,                   -- bytes transferred
  local_bytes INTEGER,             -- size of the local repository copied (rclone), the shrink guard's baseline
  local_files INTEGER,
  remote_bytes INTEGER,            -- size of the remote copy afterwards
  remote_files INTEGER,
  archive TEXT,                    -- the newest archive the copy holds
  check_status TEXT,               -- ok | failed: rclone check / borg check of the remote (NULL: none ran)
  check_detail TEXT,
  error TEXT
);
CREATE INDEX offsite_copies_host ON offsite_copies (host, target, ended_at);
`,
};
