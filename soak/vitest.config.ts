// The soak runs under vitest only to reuse test/harness (real sshd, configs, databases, cleanup); it
// is not part of the test suite (vitest.config.ts at the root includes test/ only). scripts/soak.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['soak/soak.run.ts'],
    testTimeout: 24 * 3600_000,
    hookTimeout: 600_000,
    pool: 'forks',
    maxWorkers: 1,
    globalSetup: ['test/harness/global-setup.ts'],
    // pullback as at a terminal (its log lines and tables are read), not cron mode: see ../vitest.config.ts.
    env: { PULLBACK_VERBOSE: '1' },
  },
});
