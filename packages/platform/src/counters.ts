/** A fixed-window counter store for limits that are not plain HTTP 429s (e.g. forgot-password stays 202). */
export interface RateCounters {
  /** Counts one hit on `key` in the current window and returns the count so far. */
  hit(key: string, windowMs: number): Promise<{ count: number; resetInMs: number }>
  /** The count of `key`'s current window without counting a hit (0 when no window is open). */
  peek(key: string): Promise<{ count: number; resetInMs: number }>
  /** Forgets `key`'s window (e.g. failed logins, once the owner has reset the password). */
  clear(key: string): Promise<void>
}

export class InMemoryRateCounters implements RateCounters {
  private readonly windows = new Map<string, { count: number; resetAt: number }>()

  async hit(key: string, windowMs: number) {
    const now = Date.now()
    let w = this.windows.get(key)
    if (!w || w.resetAt <= now) {
      if (this.windows.size > 100_000) this.sweep(now)
      w = { count: 0, resetAt: now + windowMs }
      this.windows.set(key, w)
    }
    w.count++
    return { count: w.count, resetInMs: w.resetAt - now }
  }

  async peek(key: string) {
    const now = Date.now()
    const w = this.windows.get(key)
    return w && w.resetAt > now ? { count: w.count, resetInMs: w.resetAt - now } : { count: 0, resetInMs: 0 }
  }

  async clear(key: string) {
    this.windows.delete(key)
  }

  private sweep(now: number) {
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k)
  }
}
