/**
 * Realtime fan-out between the processes that hold sockets. Messages are strings that are
 * already serialized, so that one message is serialized once, not once per recipient.
 */
export interface Fanout {
  publish(topic: string, message: string): void
  subscribe(topic: string, handler: (message: string) => void): () => void
  close(): Promise<void>
}

/** Embedded fan-out: synchronous delivery inside this process. */
export class InProcessFanout implements Fanout {
  private readonly topics = new Map<string, Set<(message: string) => void>>()

  publish(topic: string, message: string) {
    const handlers = this.topics.get(topic)
    if (!handlers) return
    for (const handler of handlers) handler(message)
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
