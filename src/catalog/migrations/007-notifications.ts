// Issue 10 notifications: every delivery to a notifier and its outcome, so a notification that
// failed (and the people who were therefore not told) is found in the catalog, not only the log.
export const notifications = {
  version: 7,
  name: 'notifications',
  sql: `
CREATE TABLE notifications (
  id INTEGER PRIMARY KEY,
  run_id INTEGER,                  -- the run, drill or restore run that emitted the event (NULL: none)
  at TEXT NOT NULL,
  event TEXT NOT NULL,             -- start | finish | success | warning | failure | partial | check | drill | restore | stale
  host TEXT,
  notifier TEXT NOT NULL,          -- its description: kind and target, never a secret
  status TEXT NOT NULL,            -- ok | failed
  attempts INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  error TEXT                       -- the last attempt's error
);
CREATE INDEX notifications_run ON notifications (run_id);
`,
};
