/**
 * Ends sockets when their access token expires. One interval serves every socket: items sit in
 * per-second buckets (a JWT `exp` is whole seconds), and each tick empties the buckets that came
 * due, so a million sockets cost no more timers than one.
 */
export class ExpiryWheel<T> {
  private readonly buckets = new Map<number, Set<T>>()
  private cursor: number
  private readonly timer: NodeJS.Timeout

  constructor(
    private readonly onExpired: (item: T) => void,
    options: { tickMs?: number; now?: number } = {},
  ) {
    this.cursor = Math.floor((options.now ?? Date.now()) / 1000)
    this.timer = setInterval(() => this.tick(), options.tickMs ?? 1000)
    this.timer.unref()
  }

  /** Watches `item` until `expiresAt` (ms); an item already past it expires at once. */
  add(item: T, expiresAt: number, now = Date.now()) {
    if (expiresAt <= now) return this.onExpired(item)
    const second = Math.ceil(expiresAt / 1000)
    let bucket = this.buckets.get(second)
    if (!bucket) this.buckets.set(second, (bucket = new Set()))
    bucket.add(item)
  }

  remove(item: T, expiresAt: number) {
    const second = Math.ceil(expiresAt / 1000)
    const bucket = this.buckets.get(second)
    if (!bucket?.delete(item)) return
    if (bucket.size === 0) this.buckets.delete(second)
  }

  /** Expires everything due by `now`; after a long pause it catches up second by second. */
  tick(now = Date.now()) {
    const until = Math.floor(now / 1000)
    for (; this.cursor <= until; this.cursor++) {
      const bucket = this.buckets.get(this.cursor)
      if (!bucket) continue
      this.buckets.delete(this.cursor)
      for (const item of bucket) this.onExpired(item)
    }
  }

  get size(): number {
    let n = 0
    for (const bucket of this.buckets.values()) n += bucket.size
    return n
  }

  close() {
    clearInterval(this.timer)
    this.buckets.clear()
  }
}
