import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/support/closing-line-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // CI and developers have 2 cores; integration tests start real servers.
    pool: 'forks',
    maxWorkers: 2,
  },
});
