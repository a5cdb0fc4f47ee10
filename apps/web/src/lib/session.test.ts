// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'

import { fakeJwt, FakeTimers, flush } from '../realtime/test-utils'
import { refreshDelay, RefreshRejectedError, Session, tokenExpiry } from './session'

function memoryStorage() {
  const m = new Map<string, string>()
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    removeItem: (k: string) => void m.delete(k),
    m,
  }
}

describe('refresh scheduling', () => {
  it('reads exp from the token', () => {
    expect(tokenExpiry(fakeJwt({ exp: 100 }))).toBe(100_000)
    expect(tokenExpiry('garbage')).toBeNull()
  })

  it('refreshes a minute before expiry for a 15-minute token', () => {
    const now = 1_000_000_000_000
    const t = fakeJwt({ iat: now / 1000, exp: now / 1000 + 900 })
    expect(refreshDelay(t, now)).toBe(840_000)
  })

  it('refreshes at 80% of a short lifetime and never sooner than the floor', () => {
    const now = 1_000_000_000_000
    expect(refreshDelay(fakeJwt({ iat: now / 1000, exp: now / 1000 + 100 }), now)).toBe(80_000)
    expect(refreshDelay(fakeJwt({ iat: now / 1000 - 1000, exp: now / 1000 - 1 }), now)).toBe(5_000)
  })
})

describe(Session.name, () => {
  it('schedules a refresh, rotates both tokens and persists them', async () => {
    const timers = new FakeTimers()
    const storage = memoryStorage()
    const s = new Session({ timers, storage })
    const nowS = timers.now() / 1000
    const calls: string[] = []
    s.setRefreshFn(async (refresh) => {
      calls.push(refresh)
      return {
        access: fakeJwt({ iat: nowS + 840, exp: nowS + 1740, n: calls.length }),
        refresh: `r${calls.length + 1}`,
      }
    })
    s.setTokens({ access: fakeJwt({ iat: nowS, exp: nowS + 900 }), refresh: 'r1' })
    timers.advance(839_999)
    expect(calls).toEqual([])
    timers.advance(1)
    await flush()
    expect(calls).toEqual(['r1'])
    expect(s.refreshToken).toBe('r2')
    expect(JSON.parse(storage.m.get('parley.session') ?? '{}').refresh).toBe('r2')
    // and the next one is scheduled from the new token
    timers.advance(840_000)
    await flush()
    expect(calls).toEqual(['r1', 'r2'])
  })

  it('shares one in-flight refresh between concurrent callers (rotation-safe)', async () => {
    const s = new Session({ timers: new FakeTimers(), storage: null })
    let calls = 0
    let resolve!: (v: { access: string; refresh: string }) => void
    s.setRefreshFn(() => {
      calls++
      return new Promise((r) => (resolve = r))
    })
    s.setTokens({ access: 'a1', refresh: 'r1' })
    const p1 = s.refresh()
    const p2 = s.refresh()
    resolve({ access: 'a2', refresh: 'r2' })
    expect(await p1).toBe('a2')
    expect(await p2).toBe('a2')
    expect(calls).toBe(1)
  })

  it('clears the session when the refresh token is refused, keeps it on network errors', async () => {
    const s = new Session({ timers: new FakeTimers(), storage: null })
    s.setRefreshFn(async () => {
      throw new Error('offline')
    })
    s.setTokens({ access: 'a1', refresh: 'r1' })
    expect(await s.refresh()).toBeNull()
    expect(s.isSignedIn).toBe(true)
    s.setRefreshFn(async () => {
      throw new RefreshRejectedError('reused')
    })
    expect(await s.refresh()).toBeNull()
    expect(s.isSignedIn).toBe(false)
  })

  it('refreshes first when the access token is about to expire', async () => {
    const timers = new FakeTimers()
    const s = new Session({ timers, storage: null })
    const nowS = timers.now() / 1000
    s.setRefreshFn(async () => ({ access: 'fresh', refresh: 'r2' }))
    s.setTokens({ access: fakeJwt({ exp: nowS + 10 }), refresh: 'r1' })
    expect(await s.freshAccess()).toBe('fresh')
  })
})
