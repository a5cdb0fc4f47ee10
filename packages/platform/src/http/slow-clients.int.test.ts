import { connect, type Socket } from 'node:net'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'

import type { ServiceModule } from '../service'
import { api, eventually, startTestServer, type TestServer } from '../testing'

const echoService: ServiceModule = {
  name: 'gateway',
  create: () => ({
    routes: async (app) => {
      app.post(
        '/api/echo/',
        { schema: { body: z.object({ text: z.string() }).strict() } },
        async (req) => req.body,
      )
    },
  }),
}

type Kind = 'silent' | 'slow-headers' | 'slow-body' | 'slow-upgrade'

/** A client that never finishes its request: it says nothing, or trickles headers, a body or a WebSocket handshake. */
function slowClient(port: number, kind: Kind, timers: NodeJS.Timeout[]) {
  const socket = connect(port, '127.0.0.1')
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())))
  const connected = new Promise<void>((resolve) => socket.on('connect', () => resolve()))
  socket.on('error', () => {})
  // @NOTE Read what the server sends (its 408), or the socket's end would wait for a reader.
  socket.resume()
  socket.on('connect', () => {
    const trickle = (text: string) => {
      const timer = setInterval(() => !socket.destroyed && socket.write(text), 100)
      timers.push(timer)
    }
    switch (kind) {
      case 'silent':
        return
      case 'slow-headers':
        socket.write('POST /api/echo/ HTTP/1.1\r\nHost: localhost\r\n')
        return trickle('X-Slow: 1\r\n')
      case 'slow-body':
        socket.write(
          'POST /api/echo/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"text":"',
        )
        return trickle('a')
      case 'slow-upgrade':
        socket.write(
          'GET /ws/chat/ HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n',
        )
        return trickle('X-Slow: 1\r\n')
    }
  })
  return { socket, closed, connected }
}

function openConnections(t: TestServer) {
  return new Promise<number>((resolve, reject) =>
    t.server.app.server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
  )
}

describe('slow clients (issue 14, point 3)', () => {
  let t: TestServer
  const timers: NodeJS.Timeout[] = []
  beforeAll(async () => {
    // @NOTE Short limits so that the test takes seconds; production defaults are 10 s / 60 s / 5 s.
    t = await startTestServer([echoService], {
      HTTP_HEADERS_TIMEOUT: '0.5',
      HTTP_REQUEST_TIMEOUT: '1',
      HTTP_IDLE_TIMEOUT: '0.5',
    })
  })
  afterAll(async () => {
    for (const timer of timers) clearInterval(timer)
    await t?.close()
  })

  it('drops 500 slow connections at their limits while real users are served, and frees them', async () => {
    const port = Number(new URL(t.url).port)
    const heapBefore = process.memoryUsage().heapUsed
    const kinds: Kind[] = ['silent', 'slow-headers', 'slow-body', 'slow-upgrade']
    const started = Date.now()
    const slow = Array.from({ length: 500 }, (_, i) => slowClient(port, kinds[i % kinds.length], timers))
    await Promise.all(slow.map((s) => s.connected))
    // the server accepts them as its event loop gets to them
    await eventually(async () => (await openConnections(t)) >= 400, 2000)

    // real users meanwhile: every request answered, and quickly
    const c = api(t.url)
    for (let i = 0; i < 20; i++) {
      const begin = Date.now()
      const res = await c.post('/api/echo/', { text: `hello ${i}` })
      expect(res.status).toBe(200)
      expect(Date.now() - begin).toBeLessThan(1000)
    }

    const closedAt = await Promise.all(slow.map((s) => s.closed))
    const slowest = Math.max(...closedAt) - started
    // headers within 0.5 s, the whole request within 1 s: every one is gone well before 3 s
    expect(slowest).toBeLessThan(3000)
    for (const timer of timers) clearInterval(timer)
    expect(await openConnections(t)).toBeLessThanOrEqual(1)
    const growthMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024
    expect(growthMb).toBeLessThan(64)
  })

  it('closes a kept-alive connection that stays idle past HTTP_IDLE_TIMEOUT', async () => {
    const port = Number(new URL(t.url).port)
    const socket: Socket = connect(port, '127.0.0.1')
    socket.on('error', () => {})
    socket.resume()
    const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())))
    await new Promise((r) => socket.on('connect', r))
    socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n')
    const answered = Date.now()
    expect(await closed).toBeLessThan(answered + 2000)
  })
})
