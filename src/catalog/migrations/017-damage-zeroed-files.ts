// Issue 22 (fault tour): `borg check --repair` replaces the chunks it cannot read with zeros, and
// every archive that held them keeps a zero-filled file. borg names each one; this table keeps the
// names, so a restore of such an archive refuses those files (naming an archive that holds them
// whole) and status is amber until a later archive of the source has been checked. A row goes when
// a later repair says borg healed the file (its chunks came back); pruned archives are filtered out.
export const damageZeroedFiles = {
  version: 17,
  name: 'damage-zeroed-files',
  sql: `
CREATE TABLE zeroed_files (
  repository TEXT NOT NULL,
  archive TEXT NOT NULL,
  path TEXT NOT NULL,                -- the item's path in the archive, as borg named it (e.g. data/blob-1.bin)
  host TEXT NOT NULL,                -- the archive's host (the catalog's), else the host whose repair named it
  repaired_at TEXT NOT NULL,         -- when the repair that zero-filled it ran (the first one that named it)
  run_id INTEGER,                    -- that repair's run
  PRIMARY KEY (repository, archive, path)
);
CREATE INDEX zeroed_files_host ON zeroed_files (repository, host);
`,
};
