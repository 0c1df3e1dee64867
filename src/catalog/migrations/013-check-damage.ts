// Issue 22: a failed borg check is damage until a check of the same kind passes. check_history keeps
// only each kind's latest outcome, and a partial repository check that passed over the segments
// after the damaged one would overwrite it; this table keeps the open failure (what borg said, when
// it was first and last seen, and the files a read-back found unreadable) until a whole check of
// that kind passes or `pullback check --repair` proves the repository whole.
export const checkDamage = {
  version: 13,
  name: 'check-damage',
  sql: `
CREATE TABLE check_damage (
  repository TEXT NOT NULL,
  host TEXT NOT NULL DEFAULT '',     -- '' for the repository check (every host of the repository), else the host
  kind TEXT NOT NULL,                -- repository | archives | data
  first_failed_at TEXT NOT NULL,     -- the first failure since the last clean check of this kind
  failed_at TEXT NOT NULL,           -- the latest failure
  error TEXT NOT NULL,               -- the command and what borg said
  damaged TEXT,                      -- JSON DamageScan: the unreadable files per archive, and how complete the search was
  PRIMARY KEY (repository, host, kind)
);
`,
};
