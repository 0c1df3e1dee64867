// Check history keyed per host: hosts may share a repository, and the archives check, the data
// check and the drill of one host prove nothing about another's archives. Only the repository
// check (borg check --repository-only) is once per repository (host ''). Rows of the old
// per-repository keying are kept for the repository check; host-scoped kinds start afresh (due).
export const hostChecks = {
  version: 5,
  name: 'host-checks',
  sql: `
CREATE TABLE check_history_by_host (
  repository TEXT NOT NULL,
  host TEXT NOT NULL DEFAULT '',     -- '' for the repository check, else the host whose archives were checked
  kind TEXT NOT NULL,                -- repository | archives | data | drill
  last_run_at TEXT NOT NULL,
  status TEXT NOT NULL,
  PRIMARY KEY (repository, host, kind)
);
INSERT INTO check_history_by_host (repository, host, kind, last_run_at, status)
  SELECT repository, '', kind, last_run_at, status FROM check_history WHERE kind = 'repository';
DROP TABLE check_history;
ALTER TABLE check_history_by_host RENAME TO check_history;
`,
};
