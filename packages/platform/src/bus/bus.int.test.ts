import { sql } from 'kysely'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { migrateSchema } from '../db/migrate'
import { transaction } from '../db/transaction'
import { createTestDatabase, LogCapture } from '../testing'
import { type Consumer, InProcessBus } from './bus'
import { outboxMigration } from './outbox.migration'

const SCHEMA = 'inprocbus'

/** The embedded bus: exactly once in effect, in order, a run of events per transaction. */
describe(InProcessBus.name, () => {
  let testDb: Awaited<ReturnType<typeof createTestDatabase>>
  let bus: InProcessBus
  const log = new LogCapture()
  /** event id → the transaction its handler ran in. */
  const handledIn = new Map<string, string>()
  /** Every handler call, failed ones included, by payload n. */
  const calls: number[] = []
  let poison: string | undefined

  const consumer: Consumer = {
    name: 'inprocbus.effects',
    schema: SCHEMA,
    types: ['thing.happened'],
    async handle(event, tx) {
      const { rows } = await sql<{ xid: string }>`select pg_current_xact_id()::text as xid`.execute(tx.db)
      handledIn.set(event.id, rows[0].xid)
      calls.push(Number(event.payload.n))
      if (event.id === poison) throw new Error('poison')
      await sql`insert into inprocbus.effects (event_id, n) values (${event.id}, ${Number(event.payload.n)})`.execute(
        tx.db,
      )
    },
  }

  const db = () => testDb.database.db
  const publishAll = (ns: number[]) =>
    transaction(db(), async (tx) => {
      const events = []
      for (const n of ns)
        events.push(await bus.publish(tx, SCHEMA, { type: 'thing.happened', tenantId: 't1', payload: { n } }))
      return events
    })
  const effects = async () =>
    (await sql<{ n: number }>`select n from inprocbus.effects order by n`.execute(db())).rows.map((r) => r.n)

  beforeAll(async () => {
    testDb = await createTestDatabase()
    await migrateSchema(db(), SCHEMA, {
      '00000000T000000Z-platform-outbox': outboxMigration(SCHEMA),
      '20261122T000000Z-effects': {
        async up(d) {
          await sql`create table inprocbus.effects (event_id uuid primary key, n int not null)`.execute(d)
        },
      },
    })
    bus = new InProcessBus(db(), pino({ level: 'info' }, log))
    bus.addOutbox(SCHEMA)
    bus.subscribe(consumer)
  })

  afterAll(async () => {
    await bus?.stop()
    await testDb?.drop()
  })

  it('hands a run of waiting events to a consumer in one transaction, once each, in order', async () => {
    const events = await publishAll(Array.from({ length: 30 }, (_, i) => i))
    bus.start()
    await bus.drain()
    expect(await effects()).toEqual(Array.from({ length: 30 }, (_, i) => i))
    expect(new Set(events.map((e) => handledIn.get(e.id))).size).toBe(1)
    // Relaying again (a restart, a second pass) changes nothing.
    await sql`update inprocbus.outbox set published_at = null`.execute(db())
    bus.kick()
    await bus.drain()
    expect(await effects()).toEqual(Array.from({ length: 30 }, (_, i) => i))
  })

  it('finds a failing event one by one: those before it are delivered, those after wait until it is dead-lettered', async () => {
    const events = await publishAll([100, 101, 102, 103])
    poison = events[2].id
    calls.length = 0
    await bus.drain()
    expect(await effects()).toEqual([...Array.from({ length: 30 }, (_, i) => i), 100, 101, 103])
    const { rows } = await sql<{
      attempts: number
      dead: boolean
    }>`select attempts, dead_lettered_at is not null as dead
      from inprocbus.outbox where id = ${poison}`.execute(db())
    expect(rows[0]).toEqual({ attempts: 8, dead: true })
    // 103 waited for 102 to be given up: nothing after it ran before its last attempt.
    expect(calls.indexOf(103)).toBeGreaterThan(calls.lastIndexOf(102))
    expect(
      log
        .parsed()
        .some((l) => l.msg === 'event dead-lettered after repeated failures' && l.eventId === poison),
    ).toBe(true)
  }, 30_000)
})

/** Read-your-writes: `settle` answers once the local consumers have handled what the work committed. */
describe('InProcessBus.settle', () => {
  let testDb: Awaited<ReturnType<typeof createTestDatabase>>
  let bus: InProcessBus
  const handled: Array<{ consumer: string; n: number }> = []
  const waits: boolean[] = []
  let slowMs = 0

  const consumer: Consumer = {
    name: 'settlebus.effects',
    schema: 'settlebus',
    types: ['thing.happened'],
    async handle(event, tx) {
      if (slowMs) await new Promise((r) => setTimeout(r, slowMs))
      await sql`insert into settlebus.effects (event_id, n) values (${event.id}, ${Number(event.payload.n)})`.execute(
        tx.db,
      )
    },
  }
  const db = () => testDb.database.db
  const publish = (n: number) =>
    transaction(db(), (tx) =>
      bus.publish(tx, 'settlebus', { type: 'thing.happened', tenantId: 't1', payload: { n } }),
    )
  const seen = async (n: number) =>
    (await sql<{ c: number }>`select count(*)::int as c from settlebus.effects where n = ${n}`.execute(db()))
      .rows[0].c === 1

  beforeAll(async () => {
    testDb = await createTestDatabase()
    await migrateSchema(db(), 'settlebus', {
      '00000000T000000Z-platform-outbox': outboxMigration('settlebus'),
      '20261122T000000Z-effects': {
        async up(d) {
          await sql`create table settlebus.effects (event_id uuid primary key, n int not null)`.execute(d)
        },
      },
    })
    bus = new InProcessBus(db(), pino({ level: 'silent' }), {
      handled: (c, events) => events.forEach((e) => handled.push({ consumer: c, n: Number(e.payload.n) })),
      settled: (_s, inTime) => waits.push(inTime),
    })
    bus.addOutbox('settlebus')
    bus.subscribe(consumer)
    bus.start()
  })

  afterAll(async () => {
    await bus?.stop()
    await testDb?.drop()
  })

  it('answers only once the consumer committed the effect, and reports the lag per consumer', async () => {
    slowMs = 30
    for (let n = 1; n <= 5; n++) {
      expect(await bus.settle(() => publish(n))).toMatchObject({ type: 'thing.happened' })
      expect(await seen(n)).toBe(true)
    }
    expect(waits).toEqual([true, true, true, true, true])
    expect(handled.filter((h) => h.consumer === 'settlebus.effects').map((h) => h.n)).toEqual([1, 2, 3, 4, 5])
  })

  it('lets a reader wait until everything published before it has been handled (caughtUp)', async () => {
    slowMs = 40
    await publish(7) // not settled: the reader's barrier alone must make it visible
    expect(await bus.caughtUp('settlebus.effects')).toBe(true)
    expect(await seen(7)).toBe(true)
    slowMs = 0
  })

  it('waits for nothing when the work published nothing, and answers anyway past the bound', async () => {
    waits.length = 0
    expect(await bus.settle(async () => 'none')).toBe('none')
    expect(waits).toEqual([])
    slowMs = 300
    const started = Date.now()
    await bus.settle(() => publish(6), 50)
    expect(Date.now() - started).toBeLessThan(250)
    expect(waits).toEqual([false])
    await bus.drain()
    expect(await seen(6)).toBe(true)
    slowMs = 0
  })
})
