import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores here: files run two at a time, each with its own database and queue prefix.
    maxWorkers: 2,
    // The burst test measures the heap a run retains, after a full collection (global.gc).
    execArgv: ['--expose-gc'],
  },
});
