import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/global-setup.ts'],
    // Two files at a time on 2 cores (vitest would run one): much of the suite waits on Chromium,
    // PostgreSQL, child processes and ffmpeg, and the longest file (the kiosk's visits) then runs
    // beside the rest instead of after it.
    maxWorkers: 2,
    // Real models and real images: loading sessions takes longer than vitest's 5 s default on 2 cores.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
