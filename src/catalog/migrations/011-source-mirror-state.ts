// Issue 20 (nightly): whether each source's folder in the mirror is clean, across nights and
// crashes. Marked dirty before a pull may write to it; clean, as of an archive, once an archive
// holds exactly what the folder holds (a night that archived the source's pull, or its last good
// state put back from that archive). A failed source is archived from its folder only while it is
// clean: a folder a killed or failed pull left half-updated is put back from the archive, or left out.
export const sourceMirrorState = {
  version: 11,
  name: 'source-mirror-state',
  sql: `
CREATE TABLE source_mirrors (
  host TEXT NOT NULL,
  source TEXT NOT NULL,
  clean INTEGER NOT NULL,          -- 1: the folder equals the source's copy in archive; 0: it may be half-updated
  archive TEXT,                    -- the archive it equals (set when clean)
  updated_at TEXT NOT NULL,
  PRIMARY KEY (host, source)
);
`,
};
