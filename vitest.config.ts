import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Local endpoints (DynamoDB Local, fauxqs, the ECS endpoint) are started per test file on free ports.
    fileParallelism: true,
  },
});
