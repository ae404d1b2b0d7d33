import { defineConfig } from 'vitest/config';

/**
 * Files whose checks lean on wall-clock behaviour — watchdogs (stall, memory cap,
 * start-up), claim leases, Ctrl-C, a whole browser over a real run, a cluster — run one
 * at a time after the rest, with the machine to themselves; everything else runs on two
 * workers. (No test asserts a timing, but a watchdog that fires on a starved process
 * would be a false failure.) The browser tests on hand-made stores (layout, compare)
 * run no trial and so no watchdog: they share, their only clocks being the test timeout
 * and Playwright's 30 s page load, far above the 8–10 s a test took at load average 9.
 */
const ALONE = [
  'test/runner/hostile.test.ts',
  'test/runner/interrupted.test.ts',
  'test/runner/isolation.test.ts',
  'test/store/claims.test.ts',
  'test/store/store_faults.test.ts',
  'test/cli/bounds.test.ts',
  'test/cli/concurrent_runs.test.ts',
  'test/cli/bench.test.ts',
  'test/reports/site.browser.test.ts',
  'test/**/*slurm*.test.ts',
];

// Forks rather than threads: TensorFlow.js keeps one global engine per process, and
// the wasm backend is happiest in a plain Node process.
export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    globalSetup: ['test/global_setup.ts'],
    pool: 'forks',
    // Two workers' runs side by side would pin both harnesses to one CPU and both trials
    // to the other (backends/cpu_plan.ts): the suite runs unpinned, and cpu_plan.test.ts
    // runs the plan itself.
    env: { ALGOBENCH_TRIAL_CPUS: 'off' },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'shared', include: ['test/**/*.test.ts'], exclude: ALONE, maxWorkers: 2, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'alone', include: ALONE, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
