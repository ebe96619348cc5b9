import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // One DynamoDB Local for the run; each test file gets its own table and its own free ports.
    globalSetup: ['test/support/global-setup.ts'],
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT', TUGBOAT_LOG_LEVEL: 'SILENT', AWS_REGION: 'us-east-1' },
  },
});
