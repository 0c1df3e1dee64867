// Issue 12 (drill at scale): the archive a host's mirror still equals. Set when borg archived the
// mirror without a warning, forgotten before anything writes to the mirror again (a pull, the
// manifest of the next archive). While it holds, a drill of that archive chooses its sample from
// the mirror's directory entries instead of borg's listing of every item (see drill/).
export const mirrorArchive = {
  version: 10,
  name: 'mirror-archive',
  sql: `
CREATE TABLE mirror_archives (
  host TEXT PRIMARY KEY,
  repository TEXT NOT NULL,
  archive TEXT NOT NULL,
  sources TEXT NOT NULL,           -- JSON array: the mirror's top-level folders the archive holds
  recorded_at TEXT NOT NULL
);
`,
};
