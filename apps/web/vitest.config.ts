import { defineConfig } from 'vitest/config'

/** Used with `npx vitest run --root apps/web`; the repo root config also picks these tests up. */
export default defineConfig({
  test: { include: ['src/**/*.test.{ts,tsx}'], environment: 'jsdom' },
})
