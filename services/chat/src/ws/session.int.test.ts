import { authService } from '@parley/auth'
import { api, signUp, startTestServer, type TestServer } from '@parley/platform/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { chatService } from '../index'
import { type ChatTest, startChat, TestSocket, type TestUser } from '../testing/harness'

/** Access tokens that expire while a socket is open, with the real auth service issuing them. */
describe('chat socket and token expiry', () => {
  let t: TestServer

  beforeAll(async () => {
    t = await startTestServer([authService, chatService], { ACCESS_TOKEN_TTL: '5' })
  })
  afterAll(() => t?.close())

  it('closes the socket with 4001 when its token expires, and takes a refreshed token', async () => {
    const user = await signUp(t.url)
    const socket = await TestSocket.open(t.wsUrl, user.access)
    const exp = JSON.parse(Buffer.from(user.access.split('.')[1], 'base64url').toString()).exp as number
    expect(await socket.closed).toBe(4001)
    // Not before the token's own expiry.
    expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000)
    expect(await TestSocket.handshakeStatus(`${t.wsUrl}/ws/chat/?token=${user.access}`)).toBe(401)

    const refreshed = await api(t.url).post('/api/auth/token/refresh/', { refresh: user.refresh })
    expect(refreshed.status).toBe(200)
    const again = await TestSocket.open(t.wsUrl, refreshed.body.access)
    expect((await again.request({ type: 'ping' }, 'pong')).type).toBe('pong')
    await again.close()
  })
})

/** `leave_conversation`: what it ends, and what it leaves alone. */
describe('leave_conversation', () => {
  let c: ChatTest
  let alice: TestUser
  let bob: TestUser
  let room: string

  beforeAll(async () => {
    // A long typing TTL, so that any `is_typing: false` here comes from leaving, not from the timer.
    c = await startChat({ typingTtlMs: 60_000 })
    alice = await c.user()
    bob = await c.user()
    room = await c.contacts(alice, bob)
  })
  afterAll(() => c?.close())

  it('ends my typing in that conversation, and the socket still gets its messages', async () => {
    const a = await TestSocket.open(c.t.wsUrl, alice.token)
    const b = await TestSocket.open(c.t.wsUrl, bob.token)
    a.send({ type: 'start_typing', conversation_id: room })
    expect(await b.next('typing_indicator')).toMatchObject({ user_id: alice.id, is_typing: true })
    a.send({ type: 'leave_conversation', conversation_id: room })
    expect(await b.next('typing_indicator')).toMatchObject({
      conversation_id: room,
      user_id: alice.id,
      is_typing: false,
    })

    const sent = await b.request(
      { type: 'send_message', conversation_id: room, content: 'still here?', client_id: 'leave-1' },
      'message_ack',
    )
    expect((await a.next('new_message', (f) => f.message.id === sent.message.id)).message.content).toBe(
      'still here?',
    )
    await Promise.all([a.close(), b.close()])
  })

  it('answers not_found for a conversation I am not in', async () => {
    const eve = await c.user()
    const e = await TestSocket.open(c.t.wsUrl, eve.token)
    expect((await e.request({ type: 'leave_conversation', conversation_id: room }, 'pong')).code).toBe(
      'not_found',
    )
    await e.close()
  })
})
