// Issue 22 (a restore killed with SIGKILL): which process a restore belongs to, beyond its PID, as
// migration 009 did for runs, so the next command of any kind tells a dead restore from a live one
// and records it interrupted, with the time that was noticed.
export const restoreProcess = {
  version: 15,
  name: 'restore-process',
  sql: `
ALTER TABLE restores ADD COLUMN pid_start TEXT;   -- the process's start time (/proc/PID/stat field 22)
ALTER TABLE restores ADD COLUMN boot_id TEXT;     -- /proc/sys/kernel/random/boot_id when the restore started
ALTER TABLE restores ADD COLUMN noticed_at TEXT;  -- when a later command found its process gone and recorded it interrupted
`,
};
