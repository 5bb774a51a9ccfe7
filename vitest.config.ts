import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['shared/**/*.test.ts', 'proxy/**/*.test.ts', 'agent/**/*.test.ts', 'test/**/*.test.ts'],
    // The bench harness's own test (test/bench/load-run.test.ts) runs too, in a small configuration.
    exclude: ['node_modules/**'],
    // Browser tests load the console bundle: build it when missing or older than its sources.
    globalSetup: ['test/helpers/console-bundle.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Two cores: integration suites each start real proxies and move real bytes.
    maxWorkers: 2,
  },
});
