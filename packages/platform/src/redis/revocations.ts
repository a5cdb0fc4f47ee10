import type { Redis } from 'ioredis'
import type { Logger } from 'pino'

import { InMemoryRevocations } from '../jwt/revocations'
import type { RedisSubscriber } from './subscriber'

/**
 * Session revocations shared by every node. The check stays a synchronous in-memory lookup;
 * Redis carries each revocation to the other nodes at once (PUBLISH) and keeps them in a sorted
 * set scored by expiry, so a node that starts later, or missed messages during an outage, loads
 * the current deny-list.
 */
export class RedisRevocations extends InMemoryRevocations {
  private readonly setKey: string
  private readonly channel: string
  private readonly unsubscribe: () => void
  private readonly unwatch: () => void

  constructor(
    private readonly redis: Redis,
    subscriber: RedisSubscriber,
    private readonly log: Logger,
    prefix: string,
  ) {
    super()
    this.setKey = `${prefix}revocations`
    this.channel = `${prefix}revocations`
    this.unsubscribe = subscriber.subscribe(this.channel, (message) => this.received(message))
    this.unwatch = subscriber.onRestored(() => {
      this.reload().catch((err: Error) =>
        this.log.warn({ err: { message: err.message } }, 'revocation reload failed'),
      )
    })
  }

  /**
   * Records the revocation here first, then in Redis. Throws when Redis is unreachable, so that
   * logout answers 503 and is retried, instead of leaving other nodes accepting the tokens.
   */
  override async revoke(sessionId: string, until: Date) {
    await super.revoke(sessionId, until)
    const score = until.getTime()
    await this.redis
      .multi()
      // @NOTE GT keeps the later expiry of two revocations and still adds new members.
      .zadd(this.setKey, 'GT', score, sessionId)
      .zremrangebyscore(this.setKey, '-inf', Date.now())
      .publish(this.channel, `${sessionId} ${score}`)
      .exec()
  }

  /** Loads the live revocations from Redis (at start and after an outage). */
  async reload() {
    const flat = await this.redis.zrangebyscore(this.setKey, Date.now(), '+inf', 'WITHSCORES')
    const entries: Array<{ sessionId: string; until: Date }> = []
    for (let i = 0; i + 1 < flat.length; i += 2)
      entries.push({ sessionId: flat[i], until: new Date(Number(flat[i + 1])) })
    this.load(entries)
  }

  override async close() {
    this.unsubscribe()
    this.unwatch()
    await super.close()
  }

  private received(message: string) {
    const [sessionId, score] = message.split(' ')
    if (!sessionId || !score) return
    const wasRevoked = this.isRevoked(sessionId)
    this.remember(sessionId, new Date(Number(score)))
    // @NOTE This node's own revoke() already told its listeners; the echo must not repeat it.
    if (!wasRevoked) this.notify(sessionId)
  }
}
