import { sql } from 'kysely'
import type { Logger } from 'pino'

import type { Db } from '../db/database'
import { transaction, type Tx } from '../db/transaction'
import { newId } from '../ids'
import type { DomainEvent, NewEvent } from './events'
import { RelayLoop } from './relay-loop'
import {
  type BusObserver,
  collectCommitted,
  observeHandled,
  outsideSettle,
  recordCommitted,
  RelayedEvents,
  SETTLE_TIMEOUT_MS,
  within,
} from './settle'

/** A consumer handles each event at least once; the bus makes that exactly once in effect. */
export interface Consumer {
  /** Stable name: the dedupe key in the inbox, and the consumer group in distributed mode. */
  name: string
  /** The schema whose `inbox` table records processed event ids (the consumer's own). */
  schema: string
  types: string[]
  /** Runs inside the transaction that also records the event id; a throw rolls both back. */
  handle(event: DomainEvent, tx: Tx): Promise<void>
  /** Optional: a run of new events (in order, all of its types) in one call, e.g. one statement for many. */
  handleMany?(events: DomainEvent[], tx: Tx): Promise<void>
}

export interface EventBus {
  /** Writes an event to the producer's outbox inside its transaction (transactional outbox). */
  publish<P extends Record<string, unknown>>(
    tx: Tx,
    schema: string,
    event: NewEvent<P>,
  ): Promise<DomainEvent<P>>
  /** Several events in one statement, in this order (a batch of presence changes). */
  publishMany<P extends Record<string, unknown>>(
    tx: Tx,
    schema: string,
    events: NewEvent<P>[],
  ): Promise<DomainEvent<P>[]>
  /** Declares that `schema` has an outbox to relay. */
  addOutbox(schema: string): void
  subscribe(consumer: Consumer): void
  start(): void
  stop(): Promise<void>
  /** Events written but not yet delivered to every consumer. */
  lag(): Promise<number>
  /** Resolves once every outbox is drained (tests). */
  drain(): Promise<void>
  /**
   * Read-your-writes (ADR 0012): runs `work`, whose transactions publish events, and answers its
   * result once every event it committed has been handled by each consumer of its type, or once
   * `timeoutMs` (default 1 s) has passed, when a consumer is slow or down: then as before, eventually.
   */
  settle<T>(work: () => Promise<T>, timeoutMs?: number): Promise<T>
  /**
   * A reader's barrier (ADR 0012): resolves true once `consumer` has handled every event published
   * before the call, false past `timeoutMs` (default 1 s). For a lookup that missed: a write whose
   * own wait ran past its bound is then still seen, at the cost of a wait only on misses.
   */
  caughtUp(consumer: string, timeoutMs?: number): Promise<boolean>
}

const MAX_ATTEMPTS = 8
const POLL_MS = 250
const BATCH = 100

/** A row of `<schema>.outbox`. */
export interface OutboxRow {
  seq: number
  id: string
  type: string
  tenant_id: string
  payload: Record<string, unknown>
  occurred_at: Date | string
  attempts: number
}

export function toEvent(row: OutboxRow): DomainEvent {
  return {
    id: row.id,
    type: row.type,
    tenantId: row.tenant_id,
    occurredAt: new Date(row.occurred_at).toISOString(),
    payload: row.payload,
  }
}

/**
 * Delivers each consumer an event exactly once in effect: the event id is inserted into the
 * consumer's inbox in the same transaction as its handler's writes.
 */
export async function deliverOnce(
  db: Db,
  consumer: Consumer,
  event: DomainEvent,
  observer?: BusObserver,
): Promise<boolean> {
  const handled = await transaction(db, async (tx) => {
    const inserted = await sql`insert into ${sql.id(consumer.schema)}.inbox (consumer, event_id)
      values (${consumer.name}, ${event.id}) on conflict do nothing returning event_id`.execute(tx.db)
    if (inserted.rows.length === 0) return false
    await consumer.handle(event, tx)
    return true
  })
  if (handled) observeHandled(observer, consumer.name, [event])
  return handled
}

/**
 * Delivers a run of events to one consumer in ONE transaction (one inbox insert, one COMMIT
 * instead of one each): events it already has are skipped, the rest handled in order. A throw
 * rolls the whole run back; the caller then goes event by event to find the failing one.
 */
export async function deliverRunOnce(
  db: Db,
  consumer: Consumer,
  events: DomainEvent[],
  observer?: BusObserver,
): Promise<void> {
  if (events.length === 0) return
  if (events.length === 1) {
    await deliverOnce(db, consumer, events[0], observer)
    return
  }
  const fresh = await transaction(db, async (tx) => {
    const { rows } = await sql<{
      event_id: string
    }>`insert into ${sql.id(consumer.schema)}.inbox (consumer, event_id)
      select ${consumer.name}, unnest(${events.map((e) => e.id)}::uuid[]) on conflict do nothing returning event_id`.execute(
      tx.db,
    )
    const ids = new Set(rows.map((r) => r.event_id))
    const fresh: DomainEvent[] = events.filter((e) => ids.has(e.id))
    if (consumer.handleMany) await consumer.handleMany(fresh, tx)
    else for (const event of fresh) await consumer.handle(event, tx)
    return fresh
  })
  observeHandled(observer, consumer.name, fresh)
}

/** Writes an event row into `schema`.outbox. Shared by every bus implementation. */
export async function writeOutbox<P extends Record<string, unknown>>(
  tx: Tx,
  schema: string,
  events: NewEvent<P>[],
): Promise<DomainEvent<P>[]> {
  const occurredAt = new Date().toISOString()
  const full: DomainEvent<P>[] = events.map((event) => ({ id: newId(), occurredAt, ...event }))
  if (!full.length) return full
  // One statement for the batch; `order by` keeps the outbox seq in the given order.
  await sql`insert into ${sql.id(schema)}.outbox (id, type, tenant_id, payload, occurred_at)
    select e.id, e.type, e.tenant_id, e.payload, e.occurred_at
    from unnest(${full.map((e) => e.id)}::uuid[], ${full.map((e) => e.type)}::text[], ${full.map((e) => e.tenantId)}::text[],
      ${full.map((e) => JSON.stringify(e.payload))}::jsonb[], ${full.map((e) => e.occurredAt)}::timestamptz[])
      with ordinality as e(id, type, tenant_id, payload, occurred_at, i)
    order by e.i`.execute(tx.db)
  return full
}

/**
 * Embedded bus: a relay in this process reads each outbox in order and hands events to the
 * local consumers. A consumer that keeps failing holds back later events of that outbox
 * (order is kept) until MAX_ATTEMPTS, then the event is dead-lettered and logged.
 */
export class InProcessBus implements EventBus {
  private readonly consumers: Consumer[] = []
  private readonly relay: RelayLoop
  /** Events relayed (handled by every local consumer, or dead-lettered): what `settle` waits for. */
  private readonly relayed = new RelayedEvents()

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly observer?: BusObserver,
  ) {
    this.relay = new RelayLoop({
      db,
      log,
      relayBatch: (schema) => this.relayBatch(schema),
      batchSize: BATCH,
      pollMs: POLL_MS,
    })
  }

  async publish<P extends Record<string, unknown>>(tx: Tx, schema: string, event: NewEvent<P>) {
    return (await this.publishMany(tx, schema, [event]))[0]
  }

  async publishMany<P extends Record<string, unknown>>(tx: Tx, schema: string, events: NewEvent<P>[]) {
    const full = await writeOutbox(tx, schema, events)
    tx.afterCommit(() => {
      recordCommitted(schema, full)
      outsideSettle(() => this.kick())
    })
    return full
  }

  /**
   * In this process the relay hands an event to every consumer before it marks it published,
   * so a write is read-your-writes everywhere once its events are marked.
   */
  async settle<T>(work: () => Promise<T>, timeoutMs = SETTLE_TIMEOUT_MS): Promise<T> {
    const { result, events } = await collectCommitted(work)
    if (events.length === 0) return result
    const started = performance.now()
    const waits = events.map((e) => this.relayed.wait(e.event.id))
    const inTime = await within(Promise.all(waits.map((w) => w.promise)), timeoutMs, () =>
      waits.forEach((w) => w.cancel()),
    )
    this.observer?.settled((performance.now() - started) / 1000, inTime)
    if (!inTime)
      this.log.warn({ events: events.length, timeoutMs }, 'events not handled in time; answering anyway')
    return result
  }

  /** In this process one relay pass over every outbox hands each event to every consumer. */
  async caughtUp(_consumer: string, timeoutMs = SETTLE_TIMEOUT_MS): Promise<boolean> {
    return within(this.relay.afterNextPass(), timeoutMs)
  }

  addOutbox(schema: string) {
    this.relay.outboxes.add(schema)
  }

  subscribe(consumer: Consumer) {
    this.consumers.push(consumer)
  }

  start() {
    this.relay.start()
  }

  async stop() {
    await this.relay.stop()
  }

  lag(): Promise<number> {
    return this.relay.backlog()
  }

  async drain() {
    for (let i = 0; i < 200; i++) {
      this.kick()
      await this.relay.settled()
      if ((await this.lag()) === 0) return
      await new Promise((r) => setTimeout(r, 20))
    }
    throw new Error('event bus did not drain')
  }

  /** Runs the relay now (or once more right after the current pass). */
  kick() {
    this.relay.kick()
  }

  private async relayBatch(schema: string): Promise<number> {
    const s = sql.id(schema)
    const { rows } = await sql<OutboxRow>`select * from ${s}.outbox
      where published_at is null and dead_lettered_at is null order by seq limit ${BATCH}`.execute(this.db)
    if (rows.length === 0) return 0
    // @NOTE The common case first: the whole batch, one transaction per consumer and one update
    // (a reconnect storm of 1,000 users is 1,000 presence events: 2,000 commits one by one).
    try {
      const events = rows.map(toEvent)
      for (const consumer of this.consumers) {
        await deliverRunOnce(
          this.db,
          consumer,
          events.filter((e) => consumer.types.includes(e.type)),
          this.observer,
        )
      }
      await sql`update ${s}.outbox set published_at = now() where seq = any(${rows.map((r) => r.seq)}::bigint[])`.execute(
        this.db,
      )
      for (const e of events) this.relayed.mark(e.id, true)
      return rows.length
    } catch {
      // Some event fails: go one by one, so it is found and retried (or dead-lettered) in order.
    }
    for (const row of rows) {
      const event = toEvent(row)
      try {
        for (const consumer of this.consumers) {
          if (consumer.types.includes(event.type)) await deliverOnce(this.db, consumer, event, this.observer)
        }
        await sql`update ${s}.outbox set published_at = now() where seq = ${row.seq}`.execute(this.db)
        this.relayed.mark(event.id, true)
      } catch (err) {
        const attempts = row.attempts + 1
        const dead = attempts >= MAX_ATTEMPTS
        await sql`update ${s}.outbox set attempts = ${attempts}, last_error = ${String((err as Error).message).slice(0, 500)},
          dead_lettered_at = ${dead ? sql`now()` : null} where seq = ${row.seq}`.execute(this.db)
        // @NOTE A dead-lettered event will never be handled: whoever waits for it stops waiting.
        if (dead) this.relayed.mark(event.id, true)
        this.log[dead ? 'error' : 'warn'](
          { err, eventId: event.id, type: event.type, attempts },
          dead ? 'event dead-lettered after repeated failures' : 'event delivery failed; will retry',
        )
        return 0 // keep order: retry this event on the next pass
      }
    }
    return rows.length
  }
}
