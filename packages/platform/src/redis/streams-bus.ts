import type { Redis } from 'ioredis'
import { sql } from 'kysely'
import type { Logger } from 'pino'

import { type Consumer, deliverOnce, type EventBus, type OutboxRow, toEvent, writeOutbox } from '../bus/bus'
import type { DomainEvent, NewEvent } from '../bus/events'
import { GroupProgress } from '../bus/group-progress'
import { RelayLoop } from '../bus/relay-loop'
import {
  type BusObserver,
  collectCommitted,
  type CommittedEvent,
  outsideSettle,
  recordCommitted,
  RelayedEvents,
  SETTLE_TIMEOUT_MS,
  within,
} from '../bus/settle'
import type { Db } from '../db/database'
import { transaction, type Tx } from '../db/transaction'
import { closeRedis } from './connection'

export interface RedisStreamsBusOptions {
  db: Db
  /** Command connection (no offline queue): relay XADDs, acks, claims, lag. */
  redis: Redis
  /** Opens a dedicated connection for one consumer's blocking XREADGROUP. */
  openBlocking(name: string): Redis
  log: Logger
  prefix: string
  /** This process's consumer name inside every group. */
  nodeId: string
  /** A pending entry idle this long is claimed by another consumer (a dead node's, or a failed try). */
  claimIdleMs?: number
  /** Deliveries after which an event goes to the dead-letter stream. */
  maxAttempts?: number
  pollMs?: number
  blockMs?: number
  /** Approximate cap of the stream; a group lagging further behind loses events (watch the lag). */
  maxLen?: number
  /** When Redis comes back without the stream (lost data), events published this recently are relayed again. */
  replayWindowMs?: number
  /** A consumer (a node) with nothing pending, silent this long, is removed from its group. */
  goneConsumerIdleMs?: number
  onDeadLetter?(): void
  /** Projection lag and read-your-writes waits (metrics). */
  observer?: BusObserver
  /** How long a write waits at most for its events' consumers (ADR 0012). */
  settleTimeoutMs?: number
}

interface ConsumerState {
  consumer: Consumer
  group: string
  nextClaimAt: number
  nextCleanupAt: number
  failing: boolean
}

type Entry = [id: string, fields: string[] | null]

const BATCH = 100

/**
 * Distributed bus (SPEC section 1): each node relays its services' outboxes into one Redis
 * stream (`<prefix>events`), locking rows with SKIP LOCKED so that any number of nodes can
 * relay; every consumer is a consumer group named after `Consumer.name`. Delivery is at least
 * once (XACK after the inbox transaction commits) and exactly once in effect (`deliverOnce`).
 * Entries left pending by a dead or failing consumer are claimed with XAUTOCLAIM after
 * `claimIdleMs`; after `maxAttempts` deliveries they go to `<prefix>events:dead` and are logged.
 */
export class RedisStreamsBus implements EventBus {
  private readonly stream: string
  private readonly deadStream: string
  /** Present while Redis keeps its data; missing after a restart that lost it. */
  private readonly marker: string
  private readonly consumers: ConsumerState[] = []
  private readonly blocking: Redis[] = []
  private readonly loops: Array<Promise<void>> = []
  private readonly claimIdleMs: number
  private readonly maxAttempts: number
  private readonly blockMs: number
  private readonly relay: RelayLoop
  private stopped = true
  private readonly onReady = () => this.recoverLostStream()
  /** Event id → its stream entry id, for the events this node relayed. */
  private readonly relayed = new RelayedEvents<string>()
  private readonly progress: GroupProgress

  constructor(private readonly o: RedisStreamsBusOptions) {
    this.stream = `${o.prefix}events`
    this.deadStream = `${o.prefix}events:dead`
    this.marker = `${o.prefix}events:marker`
    this.claimIdleMs = o.claimIdleMs ?? 15_000
    this.maxAttempts = o.maxAttempts ?? 8
    this.blockMs = o.blockMs ?? 2_000
    this.relay = new RelayLoop({
      db: o.db,
      log: o.log,
      relayBatch: (schema) => this.relayBatch(schema),
      batchSize: BATCH,
      pollMs: o.pollMs ?? 250,
    })
    this.progress = new GroupProgress({
      redis: o.redis,
      stream: this.stream,
      log: o.log,
      liveMs: Math.max(60_000, 4 * this.claimIdleMs),
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
   * Waits until each committed event is in the stream, then until every live consumer group that
   * takes its type (on any node) has acknowledged it, i.e. committed its effect (ADR 0012).
   */
  async settle<T>(
    work: () => Promise<T>,
    timeoutMs = this.o.settleTimeoutMs ?? SETTLE_TIMEOUT_MS,
  ): Promise<T> {
    const { result, events } = await collectCommitted(work)
    if (events.length === 0) return result
    const started = performance.now()
    const cancels: Array<() => void> = []
    const waiting = events.map((e) => ({ type: e.event.type, on: 'relay' }))
    const inTime = await within(
      Promise.all(events.map((e, i) => this.handledEverywhere(e, waiting[i], cancels))),
      timeoutMs,
      () => cancels.forEach((cancel) => cancel()),
    )
    this.o.observer?.settled((performance.now() - started) / 1000, inTime)
    if (!inTime) {
      const still = waiting.map((w) => ({
        type: w.type,
        waitingFor: typeof w.on === 'string' ? w.on : [...w.on],
      }))
      this.o.log.warn({ events: still, timeoutMs }, 'events not handled in time; answering anyway')
    }
    return result
  }

  /**
   * This node's outboxes relayed as of now, then the stream's last entry as of then acknowledged
   * by the consumer's group (on whichever node handled it).
   */
  async caughtUp(
    consumer: string,
    timeoutMs = this.o.settleTimeoutMs ?? SETTLE_TIMEOUT_MS,
  ): Promise<boolean> {
    const cancels: Array<() => void> = []
    return within(
      (async () => {
        await this.relay.afterNextPass()
        const last = (await this.o.redis.xrevrange(this.stream, '+', '-', 'COUNT', 1)) as Entry[]
        if (!last[0]) return
        const wait = this.progress.wait([consumer], last[0][0])
        cancels.push(() => wait.cancel())
        await wait.promise
      })(),
      timeoutMs,
      () => cancels.forEach((cancel) => cancel()),
    )
  }

  private async handledEverywhere(
    { schema, event }: CommittedEvent,
    waiting: { on: string | Set<string> },
    cancels: Array<() => void>,
  ) {
    const entryId = await this.streamEntryOf(schema, event.id, cancels)
    waiting.on = 'consumer groups'
    const groups = await this.progress.groupsOf(event.type)
    if (groups.length === 0) return
    const wait = this.progress.wait(groups, entryId)
    waiting.on = wait.groups
    cancels.push(() => wait.cancel())
    await wait.promise
  }

  /**
   * The stream entry of an event: this node's relay, kicked by the commit, usually XADDs it within
   * a few milliseconds. Another node's relay may have taken the row (SKIP LOCKED); then, once the
   * row shows as published, the stream's last entry is a bound at least as late as the event's.
   */
  private async streamEntryOf(schema: string, eventId: string, cancels: Array<() => void>): Promise<string> {
    const local = this.relayed.wait(eventId)
    cancels.push(() => local.cancel())
    let cancelled = false
    cancels.push(() => (cancelled = true))
    for (let delay = 20; ; delay = Math.min(delay * 2, 100)) {
      const entry = await Promise.race([local.promise, sleep(delay).then(() => undefined)])
      if (entry !== undefined) return entry
      if (cancelled) throw new Error('settle cancelled')
      const { rows } = await sql<{ published: boolean }>`select published_at is not null as published
        from ${sql.id(schema)}.outbox where id = ${eventId}`.execute(this.o.db)
      if (!rows[0]?.published) continue
      const last = (await this.o.redis.xrevrange(this.stream, '+', '-', 'COUNT', 1)) as Entry[]
      if (last[0]) return last[0][0]
    }
  }

  addOutbox(schema: string) {
    this.relay.outboxes.add(schema)
  }

  subscribe(consumer: Consumer) {
    const state: ConsumerState = {
      consumer,
      group: consumer.name,
      nextClaimAt: 0,
      nextCleanupAt: 0,
      failing: false,
    }
    this.consumers.push(state)
    // @NOTE Like the in-process bus, a consumer may join a running bus.
    if (!this.stopped) this.startConsumer(state)
  }

  private startConsumer(state: ConsumerState) {
    const conn = this.o.openBlocking(`consumer:${state.group}`)
    this.blocking.push(conn)
    this.loops.push(this.consume(state, conn))
  }

  start() {
    this.stopped = false
    this.o.redis.on('ready', this.onReady)
    if (this.o.redis.status === 'ready') this.recoverLostStream()
    for (const state of this.consumers) this.startConsumer(state)
    this.relay.start()
  }

  async stop() {
    this.stopped = true
    this.progress.stop()
    this.o.redis.off('ready', this.onReady)
    // @NOTE Closing the blocking connections ends their XREADGROUP BLOCK; a handler in progress finishes first.
    for (const conn of this.blocking) conn.disconnect()
    await Promise.all(this.loops)
    await this.relay.stop()
    await Promise.all(this.blocking.map(closeRedis))
  }

  /** Outbox rows not yet relayed, plus stream entries this node's groups have not yet acknowledged. */
  async lag(): Promise<number> {
    let total = await this.relay.backlog()
    if (this.consumers.length === 0) return total
    if ((await this.o.redis.exists(this.stream)) === 0) return total
    const groups = (await this.o.redis.xinfo('GROUPS', this.stream)) as unknown[][]
    const byName = new Map(groups.map((g) => [String(field(g, 'name')), g]))
    for (const { group } of this.consumers) {
      const info = byName.get(group)
      if (!info) continue
      total += Number(field(info, 'pending') ?? 0)
      const lag = field(info, 'lag')
      if (typeof lag === 'number') total += lag
      else {
        // @NOTE Redis reports no lag after trimming; count what is left after the last delivered id.
        const last = String(field(info, 'last-delivered-id'))
        total += (await this.o.redis.xrange(this.stream, `(${last}`, '+', 'COUNT', 10_000)).length
      }
    }
    return total
  }

  async drain() {
    for (let i = 0; i < 500; i++) {
      this.kick()
      await this.relay.settled()
      if ((await this.lag()) === 0) return
      await sleep(20)
    }
    throw new Error('event bus did not drain')
  }

  /** Runs the relay now (or once more right after the current pass). */
  kick() {
    this.relay.kick()
  }

  /**
   * XADDs a batch while holding its outbox rows locked, then marks them published in the same
   * transaction. A crash in between relays them again; consumers dedupe by event id.
   */
  private async relayBatch(schema: string): Promise<number> {
    const s = sql.id(schema)
    return transaction(this.o.db, async (tx) => {
      const { rows } = await sql<OutboxRow>`select * from ${s}.outbox
        where published_at is null and dead_lettered_at is null
        order by seq limit ${BATCH} for update skip locked`.execute(tx.db)
      if (rows.length === 0) return 0
      const pipeline = this.o.redis.pipeline()
      for (const row of rows) {
        pipeline.xadd(
          this.stream,
          'MAXLEN',
          '~',
          this.o.maxLen ?? 1_000_000,
          '*',
          'e',
          JSON.stringify(toEvent(row)),
        )
      }
      const results = await pipeline.exec()
      for (const [err] of results ?? []) if (err) throw err
      await sql`update ${s}.outbox set published_at = now()
        where seq in (${sql.join(rows.map((r) => r.seq))})`.execute(tx.db)
      tx.afterCommit(() => rows.forEach((row, i) => this.relayed.mark(row.id, String(results![i][1]))))
      return rows.length
    })
  }

  /**
   * After a Redis restart without persistence (or a failover that lost writes) the stream is
   * gone with whatever consumers had not read yet: relay the recent events again.
   */
  private recoverLostStream() {
    if (this.stopped) return
    void (async () => {
      // @NOTE A marker rather than the stream itself: consumers recreate the stream (MKSTREAM) on their own.
      if ((await this.o.redis.set(this.marker, this.o.nodeId, 'NX')) !== 'OK') return
      const windowMs = this.o.replayWindowMs ?? 15 * 60_000
      let replayed = 0
      for (const schema of this.relay.outboxes) {
        const { numAffectedRows } = await sql`update ${sql.id(schema)}.outbox set published_at = null
          where published_at > now() - make_interval(secs => ${windowMs / 1000})
          and dead_lettered_at is null`.execute(this.o.db)
        replayed += Number(numAffectedRows ?? 0)
      }
      if (replayed > 0) this.o.log.warn({ replayed }, 'Redis lost its data; relaying recent events again')
      this.kick()
    })().catch((err: Error) =>
      this.o.log.warn({ err: { message: err.message } }, 'event stream check failed'),
    )
  }

  private async consume(state: ConsumerState, conn: Redis) {
    let groupReady = false
    while (!this.stopped) {
      try {
        if (!groupReady) {
          await this.createGroup(state.group)
          groupReady = true
        }
        if (Date.now() >= state.nextClaimAt) {
          // @NOTE Tells writers that this group is alive and which types it waits on (ADR 0012).
          await this.progress.announce(state.group, state.consumer.types)
          await this.claimStale(state)
          state.nextClaimAt = Date.now() + Math.max(100, this.claimIdleMs / 2)
        }
        if (Date.now() >= state.nextCleanupAt) {
          await this.forgetGoneConsumers(state.group)
          state.nextCleanupAt = Date.now() + 10 * 60_000
        }
        const res = await conn.xreadgroup(
          'GROUP',
          state.group,
          this.o.nodeId,
          'COUNT',
          50,
          'BLOCK',
          Math.min(this.blockMs, Math.max(50, state.nextClaimAt - Date.now())),
          'STREAMS',
          this.stream,
          '>',
        )
        for (const [, entries] of res ?? []) {
          for (const entry of entries) await this.handle(state, entry, 1)
        }
        if (state.failing) this.o.log.info({ group: state.group }, 'event consumer recovered')
        state.failing = false
      } catch (err) {
        if (this.stopped) break
        const message = (err as Error).message ?? ''
        // @NOTE A Redis that lost its data has no group either: create it again.
        if (message.includes('NOGROUP')) groupReady = false
        if (!state.failing)
          this.o.log.warn({ err: { message }, group: state.group }, 'event consumer failed; retrying')
        state.failing = true
        await sleep(250)
      }
    }
  }

  private async createGroup(group: string) {
    try {
      // @NOTE From the stream's start: a new consumer catches up on history; its handlers are upserts.
      await this.o.redis.xgroup('CREATE', this.stream, group, '0', 'MKSTREAM')
    } catch (err) {
      if (!String((err as Error).message).includes('BUSYGROUP')) throw err
    }
  }

  /** Every restart joins the group under a new name; names with nothing pending and long silent are removed. */
  private async forgetGoneConsumers(group: string) {
    const consumers = (await this.o.redis.xinfo('CONSUMERS', this.stream, group)) as unknown[][]
    for (const c of consumers) {
      const name = String(field(c, 'name'))
      if (name === this.o.nodeId || Number(field(c, 'pending')) > 0) continue
      if (Number(field(c, 'idle')) > (this.o.goneConsumerIdleMs ?? 60 * 60_000))
        await this.o.redis.xgroup('DELCONSUMER', this.stream, group, name)
    }
  }

  /** Takes over entries that stayed unacknowledged too long; gives up on those delivered too often. */
  private async claimStale(state: ConsumerState) {
    let cursor = '0-0'
    do {
      const [next, entries] = (await this.o.redis.xautoclaim(
        this.stream,
        state.group,
        this.o.nodeId,
        this.claimIdleMs,
        cursor,
        'COUNT',
        BATCH,
      )) as [string, Entry[], string[]]
      cursor = next
      const live = entries.filter(([, fields]) => fields)
      if (live.length === 0) continue
      const pending = (await this.o.redis.xpending(
        this.stream,
        state.group,
        live[0][0],
        live[live.length - 1][0],
        live.length,
        this.o.nodeId,
      )) as Array<[string, string, number, number]>
      const deliveries = new Map(pending.map(([id, , , count]) => [id, Number(count)]))
      for (const entry of live) {
        if (this.stopped) return
        await this.handle(state, entry, deliveries.get(entry[0]) ?? 1)
      }
    } while (cursor !== '0-0' && !this.stopped)
  }

  private async handle(state: ConsumerState, [id, fields]: Entry, deliveries: number) {
    const raw = fields ? valueOf(fields, 'e') : undefined
    let event: DomainEvent
    try {
      event = JSON.parse(raw ?? '') as DomainEvent
    } catch {
      await this.deadLetter(state, id, raw ?? '', deliveries, 'unreadable stream entry')
      return
    }
    if (!state.consumer.types.includes(event.type)) {
      await this.o.redis.xack(this.stream, state.group, id)
      return
    }
    if (deliveries > this.maxAttempts) {
      await this.deadLetter(state, id, raw!, deliveries - 1, 'too many failed deliveries', event)
      return
    }
    try {
      await deliverOnce(this.o.db, state.consumer, event, this.o.observer)
    } catch (err) {
      // @NOTE Not acknowledged: the entry stays pending and is claimed again after claimIdleMs.
      this.o.log.warn(
        { err, eventId: event.id, type: event.type, consumer: state.group, attempts: deliveries },
        'event delivery failed; will retry',
      )
      return
    }
    await this.o.redis.xack(this.stream, state.group, id)
    this.progress.poke()
  }

  private async deadLetter(
    state: ConsumerState,
    id: string,
    raw: string,
    attempts: number,
    reason: string,
    event?: DomainEvent,
  ) {
    await this.o.redis
      .multi()
      .xadd(
        this.deadStream,
        'MAXLEN',
        '~',
        100_000,
        '*',
        'e',
        raw,
        'group',
        state.group,
        'id',
        id,
        'attempts',
        attempts,
        'reason',
        reason,
      )
      .xack(this.stream, state.group, id)
      .exec()
    this.o.onDeadLetter?.()
    this.o.log.error(
      {
        eventId: event?.id,
        type: event?.type,
        consumer: state.group,
        streamId: id,
        attempts,
        deadLetterStream: this.deadStream,
      },
      'event dead-lettered after repeated failures',
    )
  }
}

function valueOf(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1]
  return undefined
}

function field(info: unknown[], name: string): unknown {
  for (let i = 0; i + 1 < info.length; i += 2) if (info[i] === name) return info[i + 1]
  return undefined
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms))
}
