import { afterEach, describe, expect, it } from 'vitest'

import { ExpiryWheel } from './expiry'

describe(ExpiryWheel.name, () => {
  const t0 = 1_800_000_000_000
  let wheel: ExpiryWheel<string> | undefined
  afterEach(() => wheel?.close())

  function start() {
    const expired: string[] = []
    wheel = new ExpiryWheel<string>((item) => expired.push(item), { now: t0, tickMs: 60_000 })
    return { wheel, expired }
  }

  it('expires each item on the first tick at or after its expiry, not before', () => {
    const { wheel, expired } = start()
    wheel.add('a', t0 + 1_000, t0)
    wheel.add('b', t0 + 2_000, t0)
    wheel.tick(t0 + 999)
    expect(expired).toEqual([])
    wheel.tick(t0 + 1_000)
    expect(expired).toEqual(['a'])
    wheel.tick(t0 + 2_500)
    expect(expired).toEqual(['a', 'b'])
    expect(wheel.size).toBe(0)
  })

  it('expires at once an item that is already past its expiry', () => {
    const { wheel, expired } = start()
    wheel.add('late', t0 - 1, t0)
    expect(expired).toEqual(['late'])
  })

  it('forgets removed items and catches up after a long pause', () => {
    const { wheel, expired } = start()
    wheel.add('gone', t0 + 3_000, t0)
    wheel.add('kept', t0 + 3_000, t0)
    wheel.add('later', t0 + 3_600_000, t0)
    wheel.remove('gone', t0 + 3_000)
    wheel.tick(t0 + 7_200_000)
    expect(expired).toEqual(['kept', 'later'])
  })
})
