import type { AddressInfo } from 'node:net'

import { api } from '@parley/platform/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'

import type { ChatContext } from '../context'
import { defaultChatOptions } from '../options'
import { prepareTextFrame } from '../realtime/prepared-frame'
import { type ChatTest, startChat, TestSocket, type TestUser } from '../testing/harness'
import { ChatConnection, SOCKET_HIGH_WATER } from './connection'

/** The raw TCP socket of a client `ws`, to stop reading (and so fill every buffer on the way). */
const rawOf = (ws: WebSocket) => (ws as unknown as { _socket: { pause(): void; resume(): void } })._socket

/**
 * Issue 14 point 12, SPEC section 6: a socket past its send bound (1 MiB) gets a close frame with
 * 1013 that a client can read as "reconnect and catch up", not a 1006.
 */
describe('slow consumers', () => {
  describe(ChatConnection.name, () => {
    let server: WebSocketServer | undefined
    const clients: WebSocket[] = []
    afterEach(async () => {
      for (const c of clients.splice(0)) c.terminate()
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
      server = undefined
    })

    /** A ChatConnection over a real socket pair whose client has stopped reading. */
    async function stalled(closeGraceMs = defaultChatOptions.closeGraceMs) {
      server = new WebSocketServer({ port: 0, perMessageDeflate: false })
      const accepted = new Promise<WebSocket>((resolve) => server!.once('connection', resolve))
      const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`)
      clients.push(client)
      await new Promise((resolve) => client.once('open', resolve))
      const serverSide = await accepted
      const ctx = {
        options: { ...defaultChatOptions, closeGraceMs },
        config: { rateLimits: false },
        metrics: { slowConsumers: { inc() {} } },
      } as unknown as ChatContext
      const conn = new ChatConnection(ctx, serverSide, { userId: 'u1' } as never, undefined)
      rawOf(client).pause()
      // 16 KiB frames, a few per tick as fan-out sends them, until the connection gives up.
      const frame = prepareTextFrame(JSON.stringify({ type: 'new_message', pad: 'x'.repeat(16 * 1024) }))
      let sent = 0
      while (sent < 100_000) {
        let accepted = true
        for (let i = 0; i < 8 && accepted; i++) accepted = conn.send(frame)
        if (!accepted) break
        sent += 8
        await new Promise((resolve) => setImmediate(resolve))
      }
      return { client, serverSide, sent }
    }

    it('queues its close frame behind a small slice of the backlog, not behind the whole bound', async () => {
      const { client, serverSide } = await stalled()
      // Past the high-water mark the frames waited in the connection and were dropped whole at the
      // cut-off, so the close frame sits behind at most that much and one frame (before: the full 1 MiB).
      expect(serverSide.bufferedAmount).toBeLessThan(SOCKET_HIGH_WATER + 32 * 1024)
      const code = new Promise<number>((resolve) => client.once('close', (c) => resolve(c)))
      rawOf(client).resume()
      expect(await code).toBe(1013)
    })

    it('drops a peer that never reads again once the grace time has passed', async () => {
      const { serverSide } = await stalled(100)
      const closed = new Promise<void>((resolve) => serverSide.once('close', () => resolve()))
      await closed
      expect(serverSide.readyState).toBe(WebSocket.CLOSED)
    })
  })

  describe('over the chat endpoint, at the default 1 MiB bound', () => {
    let c: ChatTest
    let alice: TestUser
    let bob: TestUser
    let room: string

    beforeAll(async () => {
      c = await startChat()
      alice = await c.user()
      bob = await c.user()
      room = await c.contacts(alice, bob)
    })
    afterAll(() => c?.close())

    it('closes a member that stopped reading with 1013, which it reads once it reads again', async () => {
      const slow = await TestSocket.open(c.t.wsUrl, bob.token)
      rawOf(slow.ws).pause()
      const a = await TestSocket.open(c.t.wsUrl, alice.token)
      const cutOffs = async () =>
        Number(
          /^parley_ws_slow_consumer_closes_total (\d+)/m.exec((await api(c.t.url).get('/metrics')).text)?.[1],
        )
      const before = await cutOffs()
      const big = '😀'.repeat(3999)
      let sent = 0
      while (sent < 4000) {
        await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            a.request(
              { type: 'send_message', conversation_id: room, content: big, client_id: `slow-${sent + i}` },
              'message_ack',
            ),
          ),
        )
        sent += 20
        if ((await cutOffs()) > before) break
      }
      expect(sent).toBeLessThan(4000)
      rawOf(slow.ws).resume()
      expect(await slow.closed).toBe(1013)
      // The sender was never slowed down by the slow reader.
      expect((await a.request({ type: 'ping' }, 'pong')).type).toBe('pong')
      await a.close()
    })
  })
})
