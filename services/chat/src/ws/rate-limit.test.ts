import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { TokenBucket } from './rate-limit'

describe(TokenBucket.name, () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('allows the burst, then refills at the sustained rate', () => {
    const bucket = new TokenBucket(20, 40)
    let allowed = 0
    for (let i = 0; i < 100; i++) if (bucket.take()) allowed++
    expect(allowed).toBe(40)
    vi.advanceTimersByTime(500)
    allowed = 0
    for (let i = 0; i < 100; i++) if (bucket.take()) allowed++
    expect(allowed).toBe(10)
  })
})
