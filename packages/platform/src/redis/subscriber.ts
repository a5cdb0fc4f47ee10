import type { Redis } from 'ioredis'
import type { Logger } from 'pino'

type Handler = (message: string) => void

/**
 * The one SUBSCRIBE connection of a process, shared by fan-out and revocations. Channels are
 * reference-counted: the first handler subscribes, the last one to leave unsubscribes.
 * ioredis replays the subscriptions after a reconnect; `onRestored` tells the owners that
 * messages published meanwhile were missed, so they can catch up from durable state.
 */
export class RedisSubscriber {
  private readonly channels = new Map<string, Set<Handler>>()
  private readonly restoredListeners = new Set<() => void>()
  private wasDown = false

  constructor(
    private readonly client: Redis,
    private readonly log: Logger,
  ) {
    client.on('message', (channel: string, message: string) => {
      const handlers = this.channels.get(channel)
      if (!handlers) return
      for (const handler of handlers) {
        try {
          handler(message)
        } catch (err) {
          this.log.error({ err, channel }, 'subscriber handler failed')
        }
      }
    })
    client.on('close', () => {
      this.wasDown = true
    })
    client.on('ready', () => {
      if (!this.wasDown) return
      this.wasDown = false
      // @NOTE ioredis resubscribes on 'ready' before this listener runs (autoResubscribe).
      for (const listener of this.restoredListeners) listener()
    })
  }

  get isConnected(): boolean {
    return this.client.status === 'ready'
  }

  subscribe(channel: string, handler: Handler): () => void {
    let handlers = this.channels.get(channel)
    if (!handlers) {
      this.channels.set(channel, (handlers = new Set()))
      this.client
        .subscribe(channel)
        .catch((err: Error) =>
          this.log.warn({ err: { message: err.message }, channel }, 'subscribe failed; retried on reconnect'),
        )
    }
    handlers.add(handler)
    let active = true
    return () => {
      if (!active) return
      active = false
      handlers.delete(handler)
      if (handlers.size > 0 || this.channels.get(channel) !== handlers) return
      this.channels.delete(channel)
      this.client.unsubscribe(channel).catch(() => {
        /* the connection is gone; ioredis will not resubscribe a channel it no longer tracks */
      })
    }
  }

  /** Called after a dropped connection is back and its channels are subscribed again. */
  onRestored(listener: () => void): () => void {
    this.restoredListeners.add(listener)
    return () => this.restoredListeners.delete(listener)
  }

  get channelCount(): number {
    return this.channels.size
  }
}
