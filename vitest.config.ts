import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // Vitest's default is one worker fewer than the CPUs: one on a 2-CPU machine, where the e2e files
    // spend most of their time waiting for a clock. Two run side by side at about the same load.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // One DynamoDB Local for the run; each test file gets its own table and its own free ports.
    globalSetup: ['test/support/global-setup.ts'],
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT', TUGBOAT_LOG_LEVEL: 'SILENT', AWS_REGION: 'us-east-1' },
  },
});
