import { Redis, type RedisOptions } from 'ioredis'
import type { Logger } from 'pino'

/**
 * What a connection is for decides how it behaves while Redis is away:
 * - `command`: request-path commands (rate limits, publishes) fail at once instead of queueing,
 *   so an HTTP request answers 503 quickly rather than hanging until Redis returns.
 * - `subscriber`: SUBSCRIBE commands queue and are replayed on reconnect (ioredis resubscribes).
 * - `blocking`: XREADGROUP BLOCK needs a connection of its own; failures are retried by its loop.
 */
export type RedisRole = 'command' | 'subscriber' | 'blocking'

export interface RedisConnectionOptions {
  url: string
  role: RedisRole
  log: Logger
  /** Shown in CLIENT LIST, to tell the nodes' connections apart. */
  name?: string
}

/** Reconnects for ever, backing off to 2 s: a node outlives any Redis outage and recovers by itself. */
export function reconnectDelay(attempt: number): number {
  return Math.min(50 * 2 ** Math.min(attempt, 6), 2_000)
}

/** Opens one ioredis connection with the behaviour its role needs; it never throws unhandled. */
export function openRedis({ url, role, log, name }: RedisConnectionOptions): Redis {
  const options: RedisOptions = {
    connectionName: name,
    retryStrategy: reconnectDelay,
    connectTimeout: 2_000,
    // @NOTE The default (20 retries) holds a request for seconds while Redis is down; one retry covers a blip.
    maxRetriesPerRequest: role === 'subscriber' ? null : 1,
    enableOfflineQueue: role !== 'command',
    autoResubscribe: true,
    lazyConnect: false,
  }
  const client = new Redis(url, options)
  let down = false
  // @NOTE Without an 'error' listener ioredis re-emits connection errors as unhandled and crashes the node.
  client.on('error', (err: Error) => {
    if (!down) log.warn({ err: { message: err.message }, role }, 'redis connection error')
    down = true
  })
  client.on('ready', () => {
    if (down) log.info({ role }, 'redis connection restored')
    down = false
  })
  return client
}

/** Resolves once the client is ready, or after `timeoutMs` (a node starts unready rather than not at all). */
export async function waitReady(client: Redis, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return true
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer)
      client.off('ready', onReady)
      resolve(ok)
    }
    const onReady = () => done(true)
    const timer = setTimeout(() => done(false), timeoutMs)
    client.on('ready', onReady)
  })
}

/** Closes politely, falling back to a hard disconnect when the server is gone. */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return
  if (client.status !== 'ready') {
    client.disconnect()
    return
  }
  try {
    await client.quit()
  } catch {
    client.disconnect()
  }
}
