import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'

import { Redis } from 'ioredis'

/** A free loopback TCP port (the OS picks it; the tiny race with another binder is acceptable in tests). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

/** A key prefix no other test file uses, so concurrent files never see each other's streams and channels. */
export function uniqueRedisPrefix(): string {
  return `parley:test:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}:`
}

/** Deletes every key under `prefix` (test cleanup on a shared Redis). */
export async function deleteRedisPrefix(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true })
  client.on('error', () => {})
  try {
    await client.connect()
    let cursor = '0'
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
      cursor = next
      if (keys.length) await client.del(...keys)
    } while (cursor !== '0')
  } finally {
    client.disconnect()
  }
}

/**
 * A throwaway redis-server on a free loopback port, for tests that stop and restart Redis
 * without touching the shared one. No persistence: a restart loses every key, like a fresh node.
 */
export class ThrowawayRedis {
  private child?: ChildProcess
  private constructor(readonly port: number) {}

  get url() {
    return `redis://127.0.0.1:${this.port}`
  }

  static async start(): Promise<ThrowawayRedis> {
    const redis = new ThrowawayRedis(await freePort())
    await redis.restart()
    return redis
  }

  /** Starts (again) on the same port and waits until it answers. */
  async restart() {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null)
      throw new Error('redis-server is already running')
    this.child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--protected-mode',
        'no',
      ],
      { stdio: 'ignore' },
    )
    const deadline = Date.now() + 10_000
    for (;;) {
      const probe = new Redis(this.url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      })
      probe.on('error', () => {})
      try {
        await probe.connect()
        if ((await probe.ping()) === 'PONG') return
      } catch {
        if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${this.port}`)
      } finally {
        probe.disconnect()
      }
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  /** Kills the server abruptly (SIGKILL) and waits until it is gone. */
  async kill() {
    const child = this.child
    if (!child || child.exitCode !== null || child.signalCode) return
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve())
      child.kill('SIGKILL')
    })
  }

  async stop() {
    await this.kill()
  }
}

/**
 * The Redis a test should use: REDIS_URL when set (CI's real server, with a unique prefix),
 * otherwise a throwaway server, so the distributed code is tested on every machine.
 */
export async function testRedis(): Promise<{ url: string; prefix: string; close(): Promise<void> }> {
  const prefix = uniqueRedisPrefix()
  const shared = process.env.REDIS_URL
  if (shared) return { url: shared, prefix, close: () => deleteRedisPrefix(shared, prefix) }
  const own = await ThrowawayRedis.start()
  return { url: own.url, prefix, close: () => own.stop() }
}
