// Issue 11 (kill -9): which process a run belongs to, beyond its PID. A run left 'running' by a
// process that was SIGKILLed is told from a live one by the PID's start time and the boot id, so a
// PID reused by an unrelated process (or a reboot) never keeps a dead run 'running' for ever.
export const runProcess = {
  version: 9,
  name: 'run-process',
  sql: `
ALTER TABLE runs ADD COLUMN pid_start TEXT;  -- the process's start time (/proc/PID/stat field 22, clock ticks since boot)
ALTER TABLE runs ADD COLUMN boot_id TEXT;    -- /proc/sys/kernel/random/boot_id when the run started
`,
};
