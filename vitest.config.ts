import { defineConfig } from 'vitest/config'

/**
 * One run, three projects: unit tests beside the code, integration tests that start
 * the real app (PGlite by default; PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set),
 * and browser journeys in Chromium.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{packages,services,apps}/*/src/**/*.test.{ts,tsx}', 'scripts/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/*.fault.test.ts', '**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['{packages,services,apps}/*/src/**/*.int.test.ts', 'e2e/**/*.int.test.ts'],
          // @NOTE Generous: each file starts real servers, and a 2-core CI machine runs two files at once.
          testTimeout: 60_000,
          hookTimeout: 120_000,
          pool: 'forks',
        },
      },
      // Fault tests kill and restart servers (throwaway ones of their own): only with PARLEY_FAULT_TESTS=1.
      ...(process.env.PARLEY_FAULT_TESTS === '1'
        ? [
            {
              test: {
                name: 'fault',
                include: ['{packages,services,apps}/*/src/**/*.fault.test.ts', 'e2e/**/*.fault.test.ts'],
                testTimeout: 120_000,
                hookTimeout: 120_000,
                pool: 'forks' as const,
                fileParallelism: false,
              },
            },
          ]
        : []),
      {
        test: {
          name: 'e2e',
          include: ['apps/web/e2e/**/*.e2e.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
})
