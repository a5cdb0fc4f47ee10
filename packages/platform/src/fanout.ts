/**
 * Realtime fan-out between the processes that hold sockets. Messages are strings that are
 * already serialized, so that one message is serialized once, not once per recipient.
 */
export interface Fanout {
  /**
   * Hands `message` to every subscriber of `topic`, on every node. Returns false when it could
   * not be handed over (distributed mode with Redis unreachable): the caller then tells its
   * client (an error frame) instead of assuming delivery. Never throws.
   */
  publish(topic: string, message: string): boolean
  subscribe(topic: string, handler: (message: string) => void): () => void
  /**
   * Called after an outage of the fan-out transport, once subscriptions are live again: messages
   * published meanwhile were lost, so socket holders should make their clients catch up.
   */
  onRestored(listener: () => void): () => void
  close(): Promise<void>
}

/** Embedded fan-out: synchronous delivery inside this process. */
export class InProcessFanout implements Fanout {
  private readonly topics = new Map<string, Set<(message: string) => void>>()

  publish(topic: string, message: string) {
    const handlers = this.topics.get(topic)
    if (!handlers) return true
    for (const handler of handlers) handler(message)
    return true
  }

  onRestored(): () => void {
    // @NOTE In-process delivery has no transport to lose, so it is never restored.
    return () => {}
  }

  subscribe(topic: string, handler: (message: string) => void) {
    let handlers = this.topics.get(topic)
    if (!handlers) this.topics.set(topic, (handlers = new Set()))
    handlers.add(handler)
    return () => {
      handlers.delete(handler)
      if (handlers.size === 0) this.topics.delete(topic)
    }
  }

  async close() {
    this.topics.clear()
  }
}
