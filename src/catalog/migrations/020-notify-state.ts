// Issue 25 (a quiet night): what `status --notify` last told the notifiers about each host, source
// and off-site copy, so it sends a change of state once (stale, recovered) and then a reminder at
// notify_remind, instead of every stale event each time it runs.
export const notifyState = {
  version: 20,
  name: 'notify-state',
  sql: `
CREATE TABLE notify_state (
  key TEXT PRIMARY KEY,            -- host, host/source or host@offsite-target
  host TEXT NOT NULL,
  source TEXT,
  offsite TEXT,
  state TEXT NOT NULL,             -- stale | fresh (fresh: a recovery from stale)
  since TEXT NOT NULL,             -- when status --notify first saw this state
  notified_at TEXT,                -- when its event was last delivered to every notifier (NULL: not yet)
  sent INTEGER NOT NULL DEFAULT 0  -- events delivered in this state (the change, then reminders)
);
`,
};
