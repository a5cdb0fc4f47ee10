import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { loadConfig } from '../config'
import { createPlatform, type Platform } from '../platform'
import { createTestDatabase, eventually, LogCapture, testRedis } from '../testing'
import { RedisFanout } from './fanout'

/** Three nodes on one Redis and one database, as `parley start` on three machines would be. */
describe('distributed mode', () => {
  let testDb: Awaited<ReturnType<typeof createTestDatabase>>
  let redis: Awaited<ReturnType<typeof testRedis>>
  let probe: Redis
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-dist-'))
  const nodes: Platform[] = []

  async function startNode() {
    const config = loadConfig({
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      REDIS_URL: redis.url,
      REDIS_PREFIX: redis.prefix,
      ...(testDb.url ? { DATABASE_URL: testDb.url } : {}),
    })
    const platform = await createPlatform(config, {
      database: testDb.database,
      logDestination: new LogCapture(),
    })
    nodes.push(platform)
    return platform
  }

  beforeAll(async () => {
    testDb = await createTestDatabase()
    redis = await testRedis()
    probe = new Redis(redis.url)
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

  it('chooses the Redis implementations when REDIS_URL is set', () => {
    expect(nodes[0].fanout).toBeInstanceOf(RedisFanout)
    expect(nodes[0].redis).toBeDefined()
  })

  it('fans a message out to subscribers on every node, in publish order', async () => {
    const [a, b] = nodes as [Platform, Platform]
    const gotA: string[] = []
    const gotB: string[] = []
    const offA = a.fanout.subscribe('conv:1', (m) => gotA.push(m))
    const offB = b.fanout.subscribe('conv:1', (m) => gotB.push(m))
    await eventually(
      async () => Number((await probe.pubsub('NUMSUB', `${redis.prefix}fanout:conv:1`))[1]) === 2,
    )
    const sent = Array.from({ length: 50 }, (_, i) => `m${i}`)
    for (const m of sent) expect(a.fanout.publish('conv:1', m)).toBe(true)
    await eventually(() => gotA.length === 50 && gotB.length === 50)
    expect(gotA).toEqual(sent)
    expect(gotB).toEqual(sent)
    offA()
    offB()
  })

  it('subscribes a topic once per node and unsubscribes when its last handler leaves', async () => {
    const [a] = nodes as [Platform]
    const channel = `${redis.prefix}fanout:conv:2`
    const got: string[] = []
    const off1 = a.fanout.subscribe('conv:2', (m) => got.push(`1:${m}`))
    const off2 = a.fanout.subscribe('conv:2', (m) => got.push(`2:${m}`))
    await eventually(async () => Number((await probe.pubsub('NUMSUB', channel))[1]) === 1)
    off1()
    off1() // a second call changes nothing
    a.fanout.publish('conv:2', 'x')
    await eventually(() => got.length === 1)
    expect(got).toEqual(['2:x'])
    off2()
    await eventually(async () => Number((await probe.pubsub('NUMSUB', channel))[1]) === 0)
  })

  it('stops a revoked session on every node at once, and a node started later knows it too', async () => {
    const [a, b] = nodes as [Platform, Platform]
    const seenOnB: string[] = []
    b.revocations.onRevoked((sid) => seenOnB.push(sid))
    await a.revocations.revoke('session-1', new Date(Date.now() + 60_000))
    expect(a.revocations.isRevoked('session-1')).toBe(true)
    await eventually(() => b.revocations.isRevoked('session-1'))
    expect(seenOnB).toEqual(['session-1'])
    const c = await startNode()
    expect(c.revocations.isRevoked('session-1')).toBe(true)
    expect(c.revocations.isRevoked('session-2')).toBe(false)
  })

  it('counts rate-limit hits across nodes in one window', async () => {
    const [a, b] = nodes as [Platform, Platform]
    expect((await a.counters.hit('login:1.2.3.4', 60_000)).count).toBe(1)
    expect((await b.counters.hit('login:1.2.3.4', 60_000)).count).toBe(2)
    const third = await a.counters.hit('login:1.2.3.4', 60_000)
    expect(third.count).toBe(3)
    expect(third.resetInMs).toBeGreaterThan(50_000)
    expect((await b.counters.hit('login:other', 100)).count).toBe(1)
    await new Promise((r) => setTimeout(r, 150))
    expect((await b.counters.hit('login:other', 100)).count).toBe(1)
  })

  it('adds Redis to the readiness checks', async () => {
    const [a] = nodes as [Platform]
    expect(a.readinessChecks).toHaveLength(1)
    await expect(a.readinessChecks[0]()).resolves.toBeUndefined()
  })
})
