import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/support/closing-line-reporter.ts'],
    // One real single-host Ceph cluster for the whole run (test/support/ceph-cluster.sh).
    globalSetup: ['./test/support/ceph-global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // CI and developers have 2 cores; integration tests start real servers.
    pool: 'forks',
    maxWorkers: 2,
  },
});
