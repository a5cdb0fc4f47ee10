import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { ServiceModule } from '../service'
import {
  api,
  eventually,
  startTestServer,
  type TestServer,
  ThrowawayRedis,
  uniqueRedisPrefix,
} from '../testing'

const probeService: ServiceModule = {
  name: 'gateway',
  create: (platform) => ({
    routes: async (app) => {
      app.get('/api/ping/', async () => ({ ok: true }))
      app.post('/api/forgot/', async () => {
        const { count } = await platform.counters.hit('forgot:test', 60_000)
        return { count }
      })
    },
  }),
}

/** Redis goes away under two nodes and comes back empty (no persistence), as a restarted server would. */
describe('Redis outage', () => {
  let redis: ThrowawayRedis
  let a: TestServer
  let b: TestServer

  beforeAll(async () => {
    redis = await ThrowawayRedis.start()
    const env = { REDIS_URL: redis.url, REDIS_PREFIX: uniqueRedisPrefix(), RATE_LIMITS: 'on' }
    a = await startTestServer([probeService], env)
    b = await startTestServer([probeService], env)
  })
  afterAll(async () => {
    await a?.close()
    await b?.close()
    await redis?.stop()
  })

  it('answers 503 fast while Redis is down, reports failed fan-out, and recovers by itself', async () => {
    const got: string[] = []
    let restored = 0
    b.platform.fanout.subscribe('conv:x', (m) => got.push(m))
    b.platform.fanout.onRestored(() => restored++)
    expect((await api(a.url).get('/api/ping/')).status).toBe(200)
    await eventually(() => {
      a.platform.fanout.publish('conv:x', 'before')
      return got.includes('before')
    })

    await redis.kill()
    await eventually(() => a.platform.redis?.status !== 'ready')

    const started = Date.now()
    const limited = await api(a.url).get('/api/ping/')
    const counted = await api(a.url).post('/api/forgot/', {})
    expect(Date.now() - started).toBeLessThan(3_000)
    for (const res of [limited, counted]) {
      expect(res.status).toBe(503)
      expect(res.headers.get('content-type')).toContain('application/problem+json')
      expect(res.headers.get('retry-after')).toBe('2')
      expect(res.body.type).toBe('/problems/service-unavailable')
    }
    expect((await api(a.url).get('/ready')).status).toBe(503)
    expect((await api(a.url).get('/health')).status).toBe(200)
    expect(a.platform.fanout.publish('conv:x', 'during')).toBe(false)

    await redis.restart()
    const back = Date.now()
    await eventually(async () => (await api(a.url).get('/api/ping/')).status === 200, 15_000)
    expect(Date.now() - back).toBeLessThan(10_000)
    expect((await api(a.url).get('/ready')).status).toBe(200)
    expect((await api(a.url).post('/api/forgot/', {})).body).toEqual({ count: 1 })
    // Subscriptions come back on the new server without anyone subscribing again.
    await eventually(() => restored > 0, 10_000)
    await eventually(() => {
      a.platform.fanout.publish('conv:x', 'after')
      return got.includes('after')
    }, 10_000)
    expect(got).not.toContain('during')
    expect(a.logs.text()).not.toContain('unexpected error')
  })
})
