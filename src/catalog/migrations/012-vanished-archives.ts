// Issue 22: archives the catalog recorded that borg no longer lists (a repository rolled back by a
// crash or a bad disk). Noticed (vanished_at) by the nightly and `pullback check`, kept red until
// the operator accepts the repository's state (`pullback repo accept-rollback`), which records them
// lost (lost_at). They are never deleted from the catalog: what they held stays known.
export const vanishedArchives = {
  version: 12,
  name: 'vanished-archives',
  sql: `
ALTER TABLE archives ADD COLUMN vanished_at TEXT;  -- when an archive recorded here was first found missing from borg's listing
ALTER TABLE archives ADD COLUMN lost_at TEXT;      -- when the operator accepted it as lost (pullback repo accept-rollback)
`,
};
