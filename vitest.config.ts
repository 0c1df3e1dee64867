import { defineConfig } from 'vitest/config';

// Three projects in one pool of workers. The end-to-end and fault tests ("e2e", sorted first by
// name, so they start first; the largest files first within it) each get a fresh process: they
// start servers and change process state. The unit tests ("unit") are pure and share their worker
// processes (isolate: false): a fresh process per unit file cost more than the tests themselves.
// The longest end-to-end and fault files ("long", LONG_TESTS below) are run by scripts/test-long,
// not scripts/test, which stays a few minutes long for the person who runs it after each change;
// .ci/run runs both, then the soak's short form (scripts/soak).
// Most of an end-to-end test's time is spent waiting on its subprocesses (ssh, rsync, borg, the
// databases), so three workers keep two cores busy; PULLBACK_TEST_WORKERS overrides the count.
const workers = Number(process.env.PULLBACK_TEST_WORKERS) || 3;

/**
 * The files of the "long" project: each took 100 s or more (or timed out at 120 s) in a run of the
 * whole suite at load 15 (7 December), between 40 s and several minutes on a quiet machine; and,
 * to keep scripts/test under 8 minutes, the single-scenario files that took 25 s or more in a run at
 * load 11 (8 December: 594 s for the rest, 1415 file-seconds, the 13 moved then 490 of them; then, at
 * load 13 after the day's merges, 552 s and 1254 file-seconds: 9 more of 24-44 s, 284 of them). A new
 * test that takes that long belongs here (time them with `npx vitest run FILE`).
 */
export const LONG_TESTS = [
  'test/e2e/cli/check-damage.test.ts',
  'test/e2e/cli/check-locked.test.ts',
  'test/e2e/cli/list-prune.test.ts',
  'test/e2e/cli/metrics-alerts.test.ts',
  'test/e2e/cli/repaired-files.test.ts',
  'test/e2e/cli/report-archive-loss.test.ts',
  'test/e2e/cli/report-morning-page.test.ts',
  'test/e2e/cli/status-report.test.ts',
  'test/e2e/drill/busy-databases.test.ts',
  'test/e2e/drill/drill-databases.test.ts',
  'test/e2e/drill/drill-files-damage.test.ts',
  'test/e2e/drill/drill-files-origin.test.ts',
  'test/e2e/drill/drill-mirror.test.ts',
  'test/e2e/drill/drill-scale.test.ts',
  'test/e2e/drill/drill-unverified.test.ts',
  'test/e2e/dump/faults.test.ts',
  'test/e2e/dump/future-dump.test.ts',
  'test/e2e/dump/roundtrip.test.ts',
  'test/e2e/fleet/demo-fleet.test.ts',
  'test/e2e/fleet/migrate.test.ts',
  'test/e2e/fleet/sync.test.ts',
  'test/e2e/fleet/takeover.test.ts',
  'test/e2e/fleet/two-backup-hosts.test.ts',
  'test/e2e/install/npm-package.test.ts',
  'test/e2e/offsite/offsite-guards.test.ts',
  'test/e2e/offsite/offsite.test.ts',
  'test/e2e/pitr/binlog-receiver.test.ts',
  'test/e2e/pitr/binlog-restore-at.test.ts',
  'test/e2e/pitr/drill.test.ts',
  'test/e2e/pitr/gap.test.ts',
  'test/e2e/pitr/receiver.test.ts',
  'test/e2e/pitr/restore-at-cluster.test.ts',
  'test/e2e/pitr/restore-at-idle.test.ts',
  'test/e2e/pitr/restore-at-live.test.ts',
  'test/e2e/pitr/restore-at.test.ts',
  'test/e2e/restore/damaged-repo.test.ts',
  'test/e2e/restore/database.test.ts',
  'test/e2e/restore/early-extraction.test.ts',
  'test/e2e/restore/engines.test.ts',
  'test/e2e/restore/exact-databases-mapping.test.ts',
  'test/e2e/restore/exact-databases-postgres.test.ts',
  'test/e2e/restore/files.test.ts',
  'test/e2e/restore/granular-tables.test.ts',
  'test/e2e/restore/killed-database-step.test.ts',
  'test/e2e/restore/killed-restore.test.ts',
  'test/e2e/restore/metadata.test.ts',
  'test/e2e/restore/partial.test.ts',
  'test/e2e/restore/plain-sql-dumps.test.ts',
  'test/e2e/restore/readiness.test.ts',
  'test/e2e/restore/symlinked-target.test.ts',
  'test/e2e/restore/uncertain-outcomes.test.ts',
  'test/e2e/run/accept-rollback-lock.test.ts',
  'test/e2e/run/files-cache-checks.test.ts',
  'test/e2e/run/half-created-repo.test.ts',
  'test/e2e/run/host-failures.test.ts',
  'test/e2e/run/host-lock.test.ts',
  'test/e2e/run/interrupted-check.test.ts',
  'test/e2e/run/mass-deletion.test.ts',
  'test/e2e/run/partial-archive.test.ts',
  'test/e2e/run/preflight.test.ts',
  'test/e2e/run/repo-missing.test.ts',
  'test/e2e/run/retention.test.ts',
  'test/e2e/run/rollback-no-compact.test.ts',
  'test/e2e/run/rolled-back-repair.test.ts',
  'test/e2e/run/rolled-back-repo.test.ts',
  'test/e2e/run/shared-connection.test.ts',
  'test/e2e/run/source-root-symlink.test.ts',
  'test/faults/config-fuzz.test.ts',
  'test/faults/dirty-mirror.test.ts',
  'test/faults/disk-full.test.ts',
  'test/faults/kill.test.ts',
  'test/faults/least-privilege.test.ts',
  'test/faults/restricted-keys.test.ts',
  'test/faults/secrets.test.ts',
  'test/faults/stalled-server.test.ts',
  'test/harness/harness-data.test.ts',
];

/**
 * The catalog tests, run against both engines: the project "catalog" loads
 * test/harness/both-engines-setup.ts, which after each test pushes every SQLite catalog the test made
 * into PostgreSQL through the fleet sync and compares it (docs/fleet.md, "The catalog on two engines").
 * Every file under test/unit/catalog is in it; so is every other unit test that drives the Catalog
 * class itself (test/unit/catalog/both-engines-coverage.test.ts fails for one missing here).
 */
export const CATALOG_TESTS = ['test/unit/catalog/**/*.test.ts', 'test/unit/nightly/steps.test.ts', 'test/unit/restore/steps.test.ts'];

export default defineConfig({
  test: {
    // A guard against a hang, not a speed test: the multi-night tests take 40-90 s on a quiet machine
    // and over 120 s at load 10 (three timed out at 120 s in a clean clone's run beside other work).
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    maxWorkers: workers,
    globalSetup: ['test/harness/global-setup.ts'],
    // The tests run pullback with pipes for stdout and stderr, which is cron mode (no log lines, no
    // tables when all went well: logging/output-mode.ts). They read its log lines and tables, so
    // every pullback they start is verbose, as at a terminal; the cron-mode tests remove the variable
    // (runCli's `cron: true`).
    env: { PULLBACK_VERBOSE: '1' },
    projects: [
      {
        extends: true,
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts', 'test/faults/**/*.test.ts', 'test/harness/**/*.test.ts'], exclude: LONG_TESTS },
      },
      {
        extends: true,
        test: { name: 'long', include: LONG_TESTS },
      },
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], exclude: CATALOG_TESTS, isolate: false },
      },
      {
        extends: true,
        test: { name: 'catalog', include: CATALOG_TESTS, setupFiles: ['test/harness/both-engines-setup.ts'], isolate: false },
      },
    ],
  },
});
