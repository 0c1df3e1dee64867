import { defineConfig } from 'vitest/config';

// Two projects in one pool of workers. The end-to-end and fault tests ("e2e", sorted first by
// name, so they start first; the largest files first within it) each get a fresh process: they
// start servers and change process state. The unit tests ("unit") are pure and share their worker
// processes (isolate: false): a fresh process per unit file cost more than the tests themselves.
// Most of an end-to-end test's time is spent waiting on its subprocesses (ssh, rsync, borg, the
// databases), so three workers keep two cores busy; PULLBACK_TEST_WORKERS overrides the count.
const workers = Number(process.env.PULLBACK_TEST_WORKERS) || 3;

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: workers,
    globalSetup: ['test/harness/global-setup.ts'],
    // The tests run pullback with pipes for stdout and stderr, which is cron mode (no log lines, no
    // tables when all went well: logging/output-mode.ts). They read its log lines and tables, so
    // every pullback they start is verbose, as at a terminal; the cron-mode tests remove the variable
    // (runCli's `cron: true`).
    env: { PULLBACK_VERBOSE: '1' },
    projects: [
      // The soak's short form (issue 22): one file, 20 nights by default, seeded by scripts/test with
      // today's date (SOAK_SEED) and printed there. It is the longest file of the suite, so it is
      // its own project, to start at once beside the end-to-end files: vitest runs projects in the
      // order of their names, hence the leading "0".
      {
        extends: true,
        test: { name: '0-soak', include: ['soak/soak.run.ts'], testTimeout: 1_200_000 },
      },
      {
        extends: true,
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts', 'test/faults/**/*.test.ts', 'test/harness/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], isolate: false },
      },
    ],
  },
});
