import type { Redis } from 'ioredis'
import type { Logger } from 'pino'

import type { EventBus } from '../bus/bus'
import type { Config } from '../config'
import type { RateCounters } from '../counters'
import type { Db } from '../db/database'
import type { Fanout } from '../fanout'
import type { SessionRevocations } from '../jwt/revocations'
import { busObserverOf, type Metrics } from '../metrics'
import type { PlatformOptions } from '../platform'
import { closeRedis, openRedis, waitReady } from './connection'
import { RedisRateCounters } from './counters'
import { RedisFanout } from './fanout'
import { RedisRevocations } from './revocations'
import { RedisStreamsBus } from './streams-bus'
import { RedisSubscriber } from './subscriber'

export interface Distributed {
  redis: Redis
  bus: EventBus
  fanout: Fanout
  revocations: SessionRevocations
  counters: RateCounters
  close(): Promise<void>
}

/**
 * The Redis side of distributed mode: one command connection (fails fast while Redis is away),
 * one subscriber connection per process, and one blocking connection per event consumer.
 */
export async function openDistributed(
  config: Config,
  url: string,
  ctx: { log: Logger; nodeId: string; db: Db; metrics: Metrics; bus?: PlatformOptions['bus'] },
): Promise<Distributed> {
  const { log, nodeId, metrics } = ctx
  const prefix = config.redis.prefix
  const redisLog = log.child({ name: 'redis' })
  const redis = openRedis({ url, role: 'command', log: redisLog, name: `parley:${nodeId}` })
  const subscriberConn = openRedis({ url, role: 'subscriber', log: redisLog, name: `parley:${nodeId}:sub` })
  // @NOTE A node may start while Redis is away: it then starts unready and recovers by itself.
  if (!(await waitReady(redis, 5_000))) redisLog.warn('redis unreachable at start; continuing, not ready')
  const subscriber = new RedisSubscriber(subscriberConn, redisLog)
  const revocations = new RedisRevocations(redis, subscriber, log.child({ name: 'revocations' }), prefix)
  await revocations
    .reload()
    .catch((err: Error) =>
      redisLog.warn({ err: { message: err.message } }, 'revocations not loaded at start'),
    )
  const blocking: Redis[] = []
  const bus = new RedisStreamsBus({
    db: ctx.db,
    redis,
    openBlocking: (name) => {
      const conn = openRedis({ url, role: 'blocking', log: redisLog, name: `parley:${nodeId}:${name}` })
      blocking.push(conn)
      return conn
    },
    log: log.child({ name: 'bus' }),
    prefix,
    nodeId,
    claimIdleMs: ctx.bus?.claimIdleMs,
    maxAttempts: ctx.bus?.maxAttempts,
    onDeadLetter: () => metrics.busDeadLettered.inc(),
    observer: busObserverOf(metrics),
  })
  return {
    redis,
    bus,
    fanout: new RedisFanout(redis, subscriber, log.child({ name: 'fanout' }), prefix, () =>
      metrics.fanoutPublishFailures.inc(),
    ),
    revocations,
    counters: new RedisRateCounters(redis, prefix),
    async close() {
      await Promise.all([subscriberConn, redis, ...blocking].map(closeRedis))
    },
  }
}
