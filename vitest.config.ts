import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/global-setup.ts'],
    // Real models and real images: loading sessions takes longer than vitest's 5 s default on 2 cores.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
