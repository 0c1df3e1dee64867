// Issue 23 (point-in-time recovery): what the WAL receiver of each PostgreSQL source is doing and
// how far its WAL reaches, and the base backups the nights took. Together they are the recovery
// window that status and list show, and what a restore --at chooses its base backup from.
export const pitr = {
  version: 18,
  name: 'pitr',
  sql: `
CREATE TABLE pitr_receivers (
  host TEXT NOT NULL,
  source TEXT NOT NULL,
  state TEXT NOT NULL,               -- starting | streaming | retrying | stopped | gap
  pid INTEGER,                       -- the supervising pullback daemon
  updated_at TEXT NOT NULL,
  since TEXT,                        -- when it entered this state
  received_lsn TEXT,                 -- the slot's restart_lsn at the last probe (what pg_receivewal flushed)
  server_lsn TEXT,                   -- the server's flush position at the last probe
  reached_at TEXT,                   -- every transaction committed before this time is received (newest reachable point)
  restarts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  gap TEXT,                          -- a gap found in the WAL (lost slot, missing segment, timeline switch), until a base backup after it
  gap_at TEXT,
  slot_keep_size TEXT,               -- the server's max_slot_wal_keep_size as the receiver last read it (-1: unlimited)
  PRIMARY KEY (host, source)
);
CREATE TABLE pitr_base_backups (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  host TEXT NOT NULL,
  source TEXT NOT NULL,
  run_id INTEGER,                    -- the night that took it (its archive is the night's)
  started_at TEXT NOT NULL,
  ended_at TEXT NOT NULL,            -- the oldest point it recovers to (consistent after this)
  timeline INTEGER NOT NULL,
  start_lsn TEXT NOT NULL,
  end_lsn TEXT NOT NULL,
  start_wal TEXT NOT NULL,           -- the first WAL segment a recovery from it needs
  bytes INTEGER,
  archive TEXT                       -- the archive holding it, once made
);
CREATE INDEX pitr_base_backups_source ON pitr_base_backups (host, source, ended_at);
`,
};
