import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The CLI tests spawn runs compiled: dist/ is built first when a source changed.
    globalSetup: ['test/build-dist.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most files wait on child processes (the CLI, sim latency, namespaces): two at a
    // time keep both cores of a CI machine busy (the default leaves one idle there).
    maxWorkers: 2,
  },
});
