// Issue 22: each `borg init` pullback starts, recorded before borg runs. A night killed while borg
// init ran leaves a repository without a manifest and no id in `repositories`; this row is how the
// next night knows the half-made directory is pullback's own (and may be moved aside and created
// again) rather than a damaged repository that must never be replaced.
export const repositoryCreations = {
  version: 16,
  name: 'repository-creations',
  sql: `
CREATE TABLE repository_creations (
  repository TEXT PRIMARY KEY,     -- path or URL, as configured
  host TEXT NOT NULL,              -- the host whose night (or pullback init) started it
  started_at TEXT NOT NULL         -- when pullback last started borg init there
);
`,
};
