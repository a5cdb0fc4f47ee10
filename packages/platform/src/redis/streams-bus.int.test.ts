import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { Redis } from 'ioredis'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { Consumer } from '../bus/bus'
import { outboxMigration } from '../bus/outbox.migration'
import { loadConfig } from '../config'
import { migrateSchema } from '../db/migrate'
import { transaction } from '../db/transaction'
import { createPlatform, type Platform } from '../platform'
import { createTestDatabase, eventually, LogCapture, testRedis } from '../testing'
import { RedisStreamsBus } from './streams-bus'

const SCHEMA = 'bustest'

describe(RedisStreamsBus.name, () => {
  let testDb: Awaited<ReturnType<typeof createTestDatabase>>
  let redis: Awaited<ReturnType<typeof testRedis>>
  let probe: Redis
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bus-'))
  const nodes: Platform[] = []
  const logs: LogCapture[] = []
  const handled: string[] = []

  const consumer = (failOn: string): Consumer => ({
    name: 'bustest.effects',
    schema: SCHEMA,
    types: ['thing.happened', 'thing.poisoned'],
    async handle(event, tx) {
      handled.push(event.id)
      if (event.type === failOn) throw new Error('poison')
      await sql`insert into bustest.effects (event_id, n) values (${event.id}, ${Number(event.payload.n)})`.execute(
        tx.db,
      )
    },
  })

  async function startNode() {
    const config = loadConfig({
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      REDIS_URL: redis.url,
      REDIS_PREFIX: redis.prefix,
      LOG_LEVEL: 'info',
      ...(testDb.url ? { DATABASE_URL: testDb.url } : {}),
    })
    const log = new LogCapture()
    const platform = await createPlatform(config, {
      database: testDb.database,
      logDestination: log,
      bus: { claimIdleMs: 300, maxAttempts: 3 },
    })
    platform.bus.addOutbox(SCHEMA)
    platform.bus.subscribe(consumer('thing.poisoned'))
    platform.bus.start()
    nodes.push(platform)
    logs.push(log)
    return platform
  }

  async function publish(node: Platform, type: string, n: number) {
    return transaction(node.db, (tx) =>
      node.bus.publish(tx, SCHEMA, { type, tenantId: 't1', payload: { n } }),
    )
  }

  beforeAll(async () => {
    testDb = await createTestDatabase()
    redis = await testRedis()
    probe = new Redis(redis.url)
    await migrateSchema(testDb.database.db, SCHEMA, {
      '00000000T000000Z-platform-outbox': outboxMigration(SCHEMA),
      '20261122T000000Z-effects': {
        async up(db) {
          await sql`create table bustest.effects (event_id uuid primary key, n int not null)`.execute(db)
        },
      },
    })
    await startNode()
    await startNode()
  })

  afterAll(async () => {
    for (const node of nodes) await node.close()
    probe?.disconnect()
    await redis?.close()
    await testDb?.drop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('delivers events written on either node once in effect, through one consumer group', async () => {
    const [a, b] = nodes as [Platform, Platform]
    const published = await Promise.all(
      Array.from({ length: 40 }, (_, i) => publish(i % 2 ? a : b, 'thing.happened', i)),
    )
    await a.bus.drain()
    await b.bus.drain()
    const { rows } = await sql<{ event_id: string }>`select event_id from bustest.effects`.execute(a.db)
    expect(rows.map((r) => r.event_id).sort()).toEqual(published.map((e) => e.id).sort())
    expect(await probe.xlen(`${redis.prefix}events`)).toBe(40)
    const groups = (await probe.xinfo('GROUPS', `${redis.prefix}events`)) as unknown[][]
    expect(groups.map((g) => g[1])).toEqual(['bustest.effects'])
  })

  it('dead-letters a poison event after the allowed attempts and keeps delivering the others', async () => {
    const [a] = nodes as [Platform]
    const poison = await publish(a, 'thing.poisoned', -1)
    const after = await publish(a, 'thing.happened', 100)
    const dead = await eventually(async () => {
      const entries = await probe.xrange(`${redis.prefix}events:dead`, '-', '+')
      return entries.length > 0 ? entries : undefined
    }, 15_000)
    const fields = dead[0][1]
    expect(JSON.parse(fields[fields.indexOf('e') + 1]).id).toBe(poison.id)
    expect(fields[fields.indexOf('group') + 1]).toBe('bustest.effects')
    expect(handled.filter((id) => id === poison.id)).toHaveLength(3)
    const { rows } = await sql<{
      n: number
    }>`select n from bustest.effects where event_id = ${after.id}`.execute(a.db)
    expect(rows).toEqual([{ n: 100 }])
    await a.bus.drain()
    const logLine = logs
      .flatMap((l) => l.parsed())
      .find((line) => line.msg === 'event dead-lettered after repeated failures')
    expect(logLine).toMatchObject({
      eventId: poison.id,
      type: 'thing.poisoned',
      consumer: 'bustest.effects',
      attempts: 3,
    })
    const metrics = nodes.map((n) =>
      n.metrics.registry.getSingleMetricAsString('parley_event_bus_dead_lettered_total'),
    )
    expect((await Promise.all(metrics)).join('\n')).toMatch(/parley_event_bus_dead_lettered_total 1/)
  })

  it('reports outbox backlog and unacknowledged entries as lag', async () => {
    const [a] = nodes as [Platform]
    await a.bus.drain()
    expect(await a.bus.lag()).toBe(0)
    // An event nobody relays yet: written straight into the outbox, as a node that died before relaying would leave it.
    await transaction(a.db, async (tx) => {
      await sql`insert into bustest.outbox (id, type, tenant_id, payload) values
        (gen_random_uuid(), 'thing.happened', 't1', '{"n": 7}'::jsonb)`.execute(tx.db)
    })
    expect(await a.bus.lag()).toBeGreaterThanOrEqual(1)
    await a.bus.drain()
    expect(await a.bus.lag()).toBe(0)
  })

  it('removes long-silent consumers of restarted nodes from the group, keeping those with pending entries', async () => {
    const [a] = nodes as [Platform]
    const stream = `${redis.prefix}events`
    await probe.xgroup('CREATECONSUMER', stream, 'bustest.effects', 'ghost-node')
    await new Promise((r) => setTimeout(r, 100))
    const sweeper = new RedisStreamsBus({
      db: a.db,
      redis: probe,
      openBlocking: () => new Redis(redis.url),
      log: a.log,
      prefix: redis.prefix,
      nodeId: 'sweeper',
      goneConsumerIdleMs: 50,
    })
    sweeper.subscribe(consumer('none'))
    sweeper.start()
    try {
      await eventually(async () => {
        const consumers = (await probe.xinfo('CONSUMERS', stream, 'bustest.effects')) as unknown[][]
        return !consumers.some((c) => c[1] === 'ghost-node')
      })
    } finally {
      await sweeper.stop()
    }
  })

  it('relays the recent events again when Redis has lost the stream', async () => {
    const [a] = nodes as [Platform]
    await a.bus.drain()
    const before = await sql<{ n: number }>`select count(*)::int as n from bustest.effects`.execute(a.db)
    // What a Redis restart without persistence leaves: no stream, no groups, no marker.
    await probe.del(`${redis.prefix}events`, `${redis.prefix}events:marker`)
    // A reconnect makes the node check for lost data; drop this node's own connections (and no one else's).
    await killConnections(probe, a.nodeId)
    await eventually(
      async () =>
        (await probe.exists(`${redis.prefix}events`)) === 1 &&
        (await probe.xlen(`${redis.prefix}events`)) > 0,
      10_000,
    )
    await a.bus.drain()
    const after = await sql<{ n: number }>`select count(*)::int as n from bustest.effects`.execute(a.db)
    // Replayed events were already in the inbox: nothing is applied twice.
    expect(after.rows[0].n).toBe(before.rows[0].n)
  })
})

/** Drops the Redis connections of one node (named `parley:<nodeId>...`), as a network blip would. */
async function killConnections(probe: Redis, nodeId: string) {
  const list = (await probe.client('LIST')) as string
  for (const line of list.split('\n')) {
    const id = /\bid=(\d+)/.exec(line)?.[1]
    const name = /\bname=(\S*)/.exec(line)?.[1] ?? ''
    if (id && name.startsWith(`parley:${nodeId}`)) await probe.client('KILL', 'ID', id)
  }
}
