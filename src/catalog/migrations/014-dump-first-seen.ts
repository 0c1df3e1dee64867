// Issue 22 (a dump dated in the future): when pullback first saw each dump, by the backup host's
// clock. "Newest" is decided by it, never by a time the main server claims (a dump touched a year
// ahead would otherwise be the newest for a year). A dump is the same dump while its host, source,
// file and SHA-256 are; rows recorded before this column get the first time they were recorded.
export const dumpFirstSeen = {
  version: 14,
  name: 'dump-first-seen',
  sql: `
ALTER TABLE dumps ADD COLUMN first_seen_at TEXT;  -- ISO time of the first run that recorded this file with this SHA-256
UPDATE dumps SET first_seen_at = (
  SELECT MIN(d.recorded_at) FROM dumps d
  WHERE d.host = dumps.host AND d.source = dumps.source AND d.file = dumps.file AND d.sha256 = dumps.sha256
);
CREATE INDEX dumps_sighting ON dumps(host, source, file, sha256);
`,
};
