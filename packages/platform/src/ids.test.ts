import { afterEach, describe, expect, it, vi } from 'vitest'

import { isUuid, newId } from './ids'

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('newId', () => {
  afterEach(() => vi.restoreAllMocks())

  it('makes distinct UUIDv7s that sort in the order they were made, across pool refills', () => {
    const ids = Array.from({ length: 5_000 }, () => newId())
    for (const id of ids) expect(id).toMatch(V7)
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort()).toEqual(ids)
  })

  it('keeps the order within one millisecond and when the clock steps back', () => {
    const now = vi.spyOn(Date, 'now').mockReturnValue(1_800_000_000_000)
    const sameMs = Array.from({ length: 1_000 }, () => newId())
    now.mockReturnValue(1_700_000_000_000)
    const afterStepBack = Array.from({ length: 10 }, () => newId())
    const ids = [...sameMs, ...afterStepBack]
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort()).toEqual(ids)
  })

  it('carries the time in its first 48 bits', () => {
    vi.spyOn(Date, 'now').mockReturnValue(Date.UTC(2031, 0, 1))
    const id = newId()
    // Monotonic after the previous test's later clock: the time is at least the mocked one.
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBeGreaterThanOrEqual(Date.UTC(2031, 0, 1))
    expect(isUuid(id)).toBe(true)
  })
})
