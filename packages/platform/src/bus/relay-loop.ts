import { sql } from 'kysely'
import type { Logger } from 'pino'

import type { Db } from '../db/database'

export interface RelayLoopOptions {
  db: Db
  log: Logger
  /** Relays up to `batchSize` events of one outbox; returns how many it took. */
  relayBatch(schema: string): Promise<number>
  batchSize: number
  pollMs: number
}

/**
 * The outbox relay's schedule, shared by every bus: a pass over each outbox runs on every kick
 * (after a commit, and every `pollMs`), full batches are followed at once by the next, a kick
 * during a pass runs exactly one more pass right after it, and a failing pass is logged once per
 * outage (the next poll retries).
 */
export class RelayLoop {
  readonly outboxes = new Set<string>()
  private timer?: NodeJS.Timeout
  private running?: Promise<void>
  private again = false
  private stopped = true
  private failing = false
  /** Waiting for a pass that starts after they asked (`afterNextPass`). */
  private passWaiters: Array<() => void> = []

  constructor(private readonly o: RelayLoopOptions) {}

  start() {
    this.stopped = false
    this.timer = setInterval(() => this.kick(), this.o.pollMs)
    this.timer.unref()
    this.kick()
  }

  async stop() {
    this.stopped = true
    clearInterval(this.timer)
    await this.running
    for (const done of this.passWaiters.splice(0)) done()
  }

  /** Runs a pass now (or once more right after the current one). */
  kick() {
    if (this.stopped) return
    if (this.running) {
      this.again = true
      return
    }
    const covered = this.passWaiters
    this.passWaiters = []
    this.running = this.passAll()
      .then(() => {
        if (this.failing) this.o.log.info('event relay recovered')
        this.failing = false
      })
      .catch((err: Error) => {
        if (!this.failing)
          this.o.log.warn({ err: { message: err.message } }, 'event relay pass failed; retrying')
        this.failing = true
      })
      .finally(() => {
        for (const done of covered) done()
        this.running = undefined
        if (this.again) {
          this.again = false
          this.kick()
        }
      })
  }

  /** Resolves once a whole pass that started after this call is over (at once when stopped). */
  afterNextPass(): Promise<void> {
    if (this.stopped) return Promise.resolve()
    return new Promise<void>((resolve) => {
      this.passWaiters.push(resolve)
      this.kick()
    })
  }

  /** Resolves when the pass in progress (if any) is over. */
  async settled() {
    await this.running
  }

  /** Events written to the outboxes and not yet relayed (nor dead-lettered). */
  async backlog(): Promise<number> {
    let total = 0
    for (const schema of this.outboxes) {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.id(schema)}.outbox
        where published_at is null and dead_lettered_at is null`.execute(this.o.db)
      total += rows[0]?.n ?? 0
    }
    return total
  }

  private async passAll() {
    for (const schema of this.outboxes) {
      while (!this.stopped && (await this.o.relayBatch(schema)) === this.o.batchSize) {
        /* keep going while full batches come back */
      }
    }
  }
}
