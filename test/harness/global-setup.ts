// vitest globalSetup: builds dist/ once so the e2e tests run the real dist/cli/main.js.
import { execa } from 'execa';
import { REPO_ROOT } from './cli.js';

/** Runs `npm run build` unless PULLBACK_TEST_SKIP_BUILD=1 (scripts/test sets it after bootstrap built). */
export default async function setup(): Promise<void> {
  if (process.env.PULLBACK_TEST_SKIP_BUILD === '1') return;
  const r = await execa('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, reject: false, all: true });
  if (r.exitCode !== 0) throw new Error(`npm run build failed (exit ${r.exitCode}):\n${r.all}`);
}
