// Restores and rollbacks (issue 4): one row per restore, one per step, so an interrupted restore
// leaves a record saying exactly which steps completed.
export const restores = {
  version: 3,
  name: 'restores',
  sql: `
CREATE TABLE restores (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,              -- restore | rollback
  host TEXT NOT NULL,              -- host the archive belongs to
  target TEXT NOT NULL,            -- host restored onto
  repository TEXT NOT NULL,
  archive TEXT NOT NULL,
  only_sources TEXT,               -- JSON list, or NULL for every source
  status TEXT NOT NULL,            -- running | ok | failed | interrupted | refused
  snapshot_repository TEXT,
  snapshot_archive TEXT,           -- <target>-pre-restore-<stamp>, once taken
  rollback_of INTEGER REFERENCES restores(id),
  started_at TEXT NOT NULL,
  ended_at TEXT,
  pid INTEGER,
  plan TEXT,                       -- JSON: the printed plan
  error TEXT
);
CREATE INDEX restores_target ON restores(target, started_at);
CREATE TABLE restore_steps (
  id INTEGER PRIMARY KEY,
  restore_id INTEGER NOT NULL REFERENCES restores(id),
  ord INTEGER NOT NULL,
  kind TEXT NOT NULL,              -- readiness | stop_writes | snapshot | database | blobs | data | start_writes | checks
  source TEXT,
  status TEXT NOT NULL,            -- pending | running | ok | warning | failed | skipped | interrupted
  started_at TEXT,
  ended_at TEXT,
  error TEXT,
  details TEXT                     -- JSON
);
CREATE INDEX restore_steps_restore ON restore_steps(restore_id, ord);
`,
};
