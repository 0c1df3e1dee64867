// Issue 25 (numbers that are true): the repository's own totals as borg reports them (`borg info
// --json REPO`, cache.stats), measured after each night's prune, compaction and archive, so the
// report, its chart and the metrics read the size without calling borg (the sum of each archive's
// deduplicated size at its creation was wrong once anything was pruned). And when pullback first
// had each host and source in its configuration, so "never backed up" can be told from "just added".
export const repositorySizes = {
  version: 21,
  name: 'repository-sizes',
  sql: `
CREATE TABLE repository_sizes (
  id INTEGER PRIMARY KEY,
  repository TEXT NOT NULL,          -- path or URL, as configured (hosts may share one)
  host TEXT NOT NULL,                -- whose night (or pullback prune) measured it
  run_id INTEGER,                    -- that run
  measured_at TEXT NOT NULL,
  unique_csize INTEGER NOT NULL,     -- what the repository holds: deduplicated and compressed
  unique_size INTEGER NOT NULL,      -- the same, uncompressed
  total_csize INTEGER NOT NULL,      -- every archive's compressed size, summed
  total_size INTEGER NOT NULL        -- every archive's original size, summed
);
CREATE INDEX repository_sizes_at ON repository_sizes (repository, measured_at);
CREATE TABLE configured_since (
  host TEXT NOT NULL,
  source TEXT NOT NULL,              -- '' for the host itself
  first_seen_at TEXT NOT NULL,       -- its first run, or when pullback first wrote metrics with it configured
  PRIMARY KEY (host, source)
);
`,
};
