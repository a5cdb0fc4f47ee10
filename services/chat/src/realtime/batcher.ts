interface Waiting<I, O> {
  item: I
  resolve(value: O): void
  reject(err: unknown): void
}

/**
 * Turns many small requests into few round trips: items added while a flush is running wait and
 * go together in the next one (at most one flush at a time), so an idle server answers at once
 * and a busy one (a reconnect storm: thousands of sockets opening) pays one query per batch
 * instead of one per socket. `flush` returns one result per item, in order.
 */
export class Batcher<I, O> {
  private queue: Array<Waiting<I, O>> = []
  /** The flush in progress, if any. */
  private running?: Promise<void>
  private scheduled = false

  constructor(
    private readonly flush: (items: I[]) => Promise<O[]>,
    private readonly maxSize = 500,
  ) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject })
      this.schedule()
    })
  }

  /** Resolves once everything added so far has been flushed. */
  async drain(): Promise<void> {
    while (this.running || this.scheduled) await (this.running ?? new Promise((r) => setImmediate(r)))
  }

  private schedule() {
    if (this.scheduled || this.running) return
    this.scheduled = true
    // @NOTE setImmediate: items added in the same I/O turn (many upgrades read at once) share the flush.
    setImmediate(() => {
      this.scheduled = false
      void this.run()
    })
  }

  private async run() {
    const batch = this.queue.splice(0, this.maxSize)
    if (!batch.length) return
    this.running = this.flushBatch(batch)
    await this.running
    this.running = undefined
    if (this.queue.length) this.schedule()
  }

  private async flushBatch(batch: Array<Waiting<I, O>>) {
    try {
      const results = await this.flush(batch.map((w) => w.item))
      batch.forEach((w, i) => w.resolve(results[i]))
    } catch (err) {
      for (const w of batch) w.reject(err)
    }
  }
}
