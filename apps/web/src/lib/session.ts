/**
 * Session: the token pair, persisted in localStorage, refreshed shortly before the access
 * token expires (single-flight, because refresh tokens rotate and a second concurrent
 * refresh with the same token would look like reuse).
 */
import type { TokenPair } from './types'

export interface TimerApi {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export const realTimers: TimerApi = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
}

/** Decode a JWT payload without verifying it (the server verifies; the client only reads `exp`). */
export function decodeJwt(token: string): Record<string, unknown> | null {
  const part = token.split('.')[1]
  if (!part) return null
  try {
    const b64 = part
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(part.length / 4) * 4, '=')
    const json = decodeURIComponent(
      Array.from(atob(b64), (c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0')).join(''),
    )
    return JSON.parse(json) as Record<string, unknown>
  } catch {
    return null
  }
}

/** Milliseconds since epoch at which the token expires, or null if it has no readable `exp`. */
export function tokenExpiry(token: string): number | null {
  const exp = decodeJwt(token)?.exp
  return typeof exp === 'number' ? exp * 1000 : null
}

/**
 * When to refresh: a minute before expiry, or at 80 % of the lifetime for short tokens,
 * never sooner than `minDelay` (so a clock skew cannot cause a refresh loop).
 */
export function refreshDelay(token: string, now: number, minDelay = 5_000): number | null {
  const exp = tokenExpiry(token)
  if (exp == null) return null
  const iat = decodeJwt(token)?.iat
  const issued = typeof iat === 'number' ? iat * 1000 : now
  const lifetime = Math.max(0, exp - issued)
  const lead = Math.min(60_000, lifetime * 0.2)
  return Math.max(minDelay, exp - lead - now)
}

export type RefreshFn = (refresh: string) => Promise<TokenPair>

export interface SessionOptions {
  storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null
  timers?: TimerApi
  key?: string
}

export class RefreshRejectedError extends Error {
  override name = 'RefreshRejectedError'
}

/** Holds the tokens; notifies subscribers (React, the realtime client) on every change. */
export class Session {
  private tokens: TokenPair | null = null
  private listeners = new Set<() => void>()
  private timer: unknown = null
  private inflight: Promise<string | null> | null = null
  private refreshFn: RefreshFn | null = null
  private readonly storage: SessionOptions['storage']
  private readonly timers: TimerApi
  private readonly key: string

  constructor(opts: SessionOptions = {}) {
    this.storage = opts.storage === undefined ? safeLocalStorage() : opts.storage
    this.timers = opts.timers ?? realTimers
    this.key = opts.key ?? 'parley.session'
    const raw = this.storage?.getItem(this.key)
    if (raw) {
      try {
        const parsed = JSON.parse(raw) as TokenPair
        if (parsed?.access && parsed?.refresh) this.tokens = parsed
      } catch {
        this.storage?.removeItem(this.key)
      }
    }
  }

  /** Wire the network call that exchanges a refresh token (kept injectable for tests). */
  setRefreshFn(fn: RefreshFn): void {
    this.refreshFn = fn
    this.schedule()
  }

  get access(): string | null {
    return this.tokens?.access ?? null
  }

  get refreshToken(): string | null {
    return this.tokens?.refresh ?? null
  }

  get isSignedIn(): boolean {
    return this.tokens !== null
  }

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  setTokens(pair: TokenPair): void {
    this.tokens = { access: pair.access, refresh: pair.refresh }
    this.storage?.setItem(this.key, JSON.stringify(this.tokens))
    this.schedule()
    this.emit()
  }

  clear(): void {
    this.tokens = null
    this.storage?.removeItem(this.key)
    if (this.timer != null) this.timers.clearTimeout(this.timer)
    this.timer = null
    this.emit()
  }

  /**
   * Exchange the refresh token for a new pair. Concurrent callers share one request.
   * Resolves to the new access token, or null (and clears the session) when refresh is refused.
   */
  refresh(): Promise<string | null> {
    if (this.inflight) return this.inflight
    const current = this.tokens
    if (!current || !this.refreshFn) return Promise.resolve(null)
    const fn = this.refreshFn
    this.inflight = fn(current.refresh)
      .then((pair) => {
        // Signed out while refreshing: do not resurrect the session.
        if (this.tokens?.refresh !== current.refresh) return this.tokens?.access ?? null
        this.setTokens(pair)
        return pair.access
      })
      .catch((err: unknown) => {
        if (err instanceof RefreshRejectedError) {
          this.clear()
          return null
        }
        // Network trouble: keep the tokens and try again soon.
        this.scheduleIn(15_000)
        return null
      })
      .finally(() => {
        this.inflight = null
      })
    return this.inflight
  }

  /** An access token valid for at least `marginMs` more, refreshing first if needed. */
  async freshAccess(marginMs = 30_000): Promise<string | null> {
    const access = this.access
    if (!access) return null
    const exp = tokenExpiry(access)
    if (exp != null && exp - this.timers.now() < marginMs) return (await this.refresh()) ?? this.access
    return access
  }

  private schedule(): void {
    if (this.timer != null) this.timers.clearTimeout(this.timer)
    this.timer = null
    if (!this.tokens || !this.refreshFn) return
    const delay = refreshDelay(this.tokens.access, this.timers.now())
    if (delay == null) return
    this.scheduleIn(delay)
  }

  private scheduleIn(ms: number): void {
    if (this.timer != null) this.timers.clearTimeout(this.timer)
    this.timer = this.timers.setTimeout(() => {
      this.timer = null
      void this.refresh()
    }, ms)
  }

  private emit(): void {
    for (const fn of this.listeners) fn()
  }
}

function safeLocalStorage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage
  } catch {
    return null
  }
}
