import type { Redis } from 'ioredis'
import type { Logger } from 'pino'

import type { Fanout } from '../fanout'
import type { RedisSubscriber } from './subscriber'

/**
 * Fan-out over Redis pub/sub, so sockets on different nodes are one system. Every message goes
 * through Redis, also to this node's own subscribers: one channel then has one order for all
 * nodes. The hot path is one PUBLISH of a ready-made string; nothing is serialized here.
 */
export class RedisFanout implements Fanout {
  private readonly channelPrefix: string

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: RedisSubscriber,
    private readonly log: Logger,
    prefix: string,
    private readonly onPublishFailed: () => void = () => {},
  ) {
    this.channelPrefix = `${prefix}fanout:`
  }

  publish(topic: string, message: string): boolean {
    // @NOTE The command connection has no offline queue: while Redis is away a publish fails now, not later.
    if (this.publisher.status !== 'ready') {
      this.onPublishFailed()
      return false
    }
    this.publisher.publish(this.channelPrefix + topic, message).catch((err: Error) => {
      this.onPublishFailed()
      this.log.warn({ err: { message: err.message }, topic }, 'fan-out publish failed')
    })
    return true
  }

  subscribe(topic: string, handler: (message: string) => void): () => void {
    return this.subscriber.subscribe(this.channelPrefix + topic, handler)
  }

  onRestored(listener: () => void): () => void {
    return this.subscriber.onRestored(listener)
  }

  async close() {
    // @NOTE The connections belong to the platform, which closes them after every user is gone.
  }
}
