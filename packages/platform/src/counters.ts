/** A fixed-window counter store for limits that are not plain HTTP 429s (e.g. forgot-password stays 202). */
export interface RateCounters {
  /** Counts one hit on `key` in the current window and returns the count so far. */
  hit(key: string, windowMs: number): Promise<{ count: number; resetInMs: number }>
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

  private sweep(now: number) {
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k)
  }
}
