import { api, eventually } from '@parley/platform/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { readSendBatches, SEND_BATCH_STAGES } from '../messages/send-batch-metrics'
import { type ChatTest, startChat, TestSocket, type TestUser } from '../testing/harness'

/** SPEC section 6 "Delivery guarantees", over real sockets. */
describe('chat delivery guarantees', () => {
  let c: ChatTest
  let alice: TestUser
  let bob: TestUser
  let eve: TestUser
  let room: string

  beforeAll(async () => {
    c = await startChat({ typingTtlMs: 300, maxBufferedBytes: 256 * 1024 })
    alice = await c.user({ firstName: 'Alice' })
    bob = await c.user({ firstName: 'Bob' })
    eve = await c.user()
    room = await c.contacts(alice, bob)
  })
  afterAll(() => c?.close())

  it('lets two contacts chat in real time, and a non-member can neither read, post nor see typing', async () => {
    const a = await TestSocket.open(c.t.wsUrl, alice.token)
    const b = await TestSocket.open(c.t.wsUrl, bob.token)
    const e = await TestSocket.open(c.t.wsUrl, eve.token)
    const ack = await a.request(
      { type: 'send_message', conversation_id: room, content: 'hi Bob', client_id: 'c-1' },
      'message_ack',
    )
    expect(ack.message).toMatchObject({
      conversation_id: room,
      content: 'hi Bob',
      sender_id: alice.id,
      sender_name: 'Alice',
      client_id: 'c-1',
    })
    const got = await b.next('new_message')
    expect(got.message.id).toBe(ack.message.id)
    expect(got.message.seq).toBe(ack.message.seq)

    const viaRest = await api(c.t.url).post(
      `/api/chat/conversations/${room}/messages/`,
      { content: 'hello over REST' },
      bob.token,
    )
    expect(viaRest.status).toBe(201)
    expect((await a.next('new_message', (f) => f.message.id === viaRest.body.id)).message.content).toBe(
      'hello over REST',
    )

    b.send({ type: 'start_typing', conversation_id: room })
    expect(await a.next('typing_indicator')).toMatchObject({ user_id: bob.id, is_typing: true })
    // The server ends typing by itself after the TTL.
    expect(await a.next('typing_indicator')).toMatchObject({ user_id: bob.id, is_typing: false })

    expect(
      (
        await e.request(
          { type: 'send_message', conversation_id: room, content: 'x', client_id: 'e-1' },
          'message_ack',
        )
      ).code,
    ).toBe('not_found')
    expect((await e.request({ type: 'join_conversation', conversation_id: room }, 'history')).code).toBe(
      'not_found',
    )
    expect((await e.request({ type: 'start_typing', conversation_id: room }, 'typing_indicator')).code).toBe(
      'not_found',
    )
    expect((await api(c.t.url).get(`/api/chat/conversations/${room}/messages/`, eve.token)).status).toBe(404)
    await a.request({ type: 'ping' }, 'pong')
    expect(e.all('new_message')).toEqual([])
    expect(e.all('typing_indicator')).toEqual([])
    await Promise.all([a.close(), b.close(), e.close()])
  })

  it('gives concurrent senders one gapless order that every receiver sees identically', async () => {
    const group = await api(c.t.url).post(
      '/api/chat/conversations/',
      { type: 'group', name: 'race', participant_ids: [bob.id, eve.id] },
      alice.token,
    )
    expect(group.status).toBe(201)
    const id = group.body.id
    const senders = await Promise.all(
      [alice, bob, eve, alice].map((u) => TestSocket.open(c.t.wsUrl, u.token)),
    )
    const watcher = await TestSocket.open(c.t.wsUrl, eve.token)
    const perSender = 25
    const acks = await Promise.all(
      senders.flatMap((s, k) =>
        Array.from({ length: perSender }, (_, i) =>
          s.request(
            {
              type: 'send_message',
              conversation_id: id,
              content: `m ${k}.${i}`,
              client_id: `race-${k}-${i}`,
            },
            'message_ack',
          ),
        ),
      ),
    )
    const total = senders.length * perSender
    expect(acks.every((a) => a.type === 'message_ack')).toBe(true)
    expect(acks.map((a) => a.message.seq).sort((x, y) => x - y)).toEqual(
      Array.from({ length: total }, (_, i) => i + 1),
    )
    const orders: number[][] = []
    for (const s of [...senders, watcher]) {
      const seqs: number[] = []
      while (seqs.length < total)
        seqs.push((await s.next('new_message', (f) => f.message.conversation_id === id)).message.seq)
      orders.push(seqs)
    }
    for (const o of orders) expect(o).toEqual(Array.from({ length: total }, (_, i) => i + 1))
    await Promise.all([...senders, watcher].map((s) => s.close()))
  })

  it('stores nothing new for a repeated client_id, however late and whatever the content', async () => {
    const a = await TestSocket.open(c.t.wsUrl, alice.token)
    const first = await a.request(
      { type: 'send_message', conversation_id: room, content: 'once', client_id: 'dup-1' },
      'message_ack',
    )
    const again = await a.request(
      { type: 'send_message', conversation_id: room, content: 'different text', client_id: 'dup-1' },
      'message_ack',
    )
    expect(again.message.id).toBe(first.message.id)
    expect(again.message.content).toBe('once')
    const rest = await api(c.t.url).post(
      `/api/chat/conversations/${room}/messages/`,
      { content: 'third try', client_id: 'dup-1' },
      alice.token,
    )
    expect(rest.status).toBe(200)
    expect(rest.body.id).toBe(first.message.id)
    // Duplicates inside one batch too.
    const both = await Promise.all(
      [1, 2, 3].map(() =>
        a.request(
          { type: 'send_message', conversation_id: room, content: 'burst', client_id: 'dup-2' },
          'message_ack',
        ),
      ),
    )
    expect(new Set(both.map((f) => f.message.id)).size).toBe(1)
    const history = await api(c.t.url).get(`/api/chat/conversations/${room}/messages/?limit=100`, alice.token)
    expect(
      history.body.messages.filter((m: any) => m.client_id === 'dup-1' || m.client_id === 'dup-2'),
    ).toHaveLength(2)
    const seqs = history.body.messages.map((m: any) => m.seq)
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0] + i))
    await a.close()
  })

  it('gives a receiver that rejoins with after_seq exactly what it missed, in order', async () => {
    const b = await TestSocket.open(c.t.wsUrl, bob.token)
    const last = (
      await b.request({ type: 'join_conversation', conversation_id: room }, 'history')
    ).messages.at(-1).seq
    await b.close()
    const a = await TestSocket.open(c.t.wsUrl, alice.token)
    const sent: number[] = []
    for (let i = 0; i < 5; i++)
      sent.push(
        (
          await a.request(
            { type: 'send_message', conversation_id: room, content: `missed ${i}`, client_id: `missed-${i}` },
            'message_ack',
          )
        ).message.seq,
      )
    const back = await TestSocket.open(c.t.wsUrl, bob.token)
    const history = await back.request(
      { type: 'join_conversation', conversation_id: room, after_seq: last },
      'history',
    )
    expect(history.messages.map((m: any) => m.seq)).toEqual(sent)
    expect(history.messages.map((m: any) => m.content)).toEqual([
      'missed 0',
      'missed 1',
      'missed 2',
      'missed 3',
      'missed 4',
    ])
    expect(history.has_more).toBe(false)
    // Fetching counts as delivery: Alice is told.
    expect(
      (await a.next('delivery_receipt', (f) => f.user_id === bob.id && f.up_to_seq === sent.at(-1)))
        .conversation_id,
    ).toBe(room)
    await Promise.all([a.close(), back.close()])
  })

  it('stops delivering to a removed member on the very next message', async () => {
    const group = await api(c.t.url).post(
      '/api/chat/conversations/',
      { type: 'group', name: 'kick', participant_ids: [bob.id] },
      alice.token,
    )
    const id = group.body.id
    const a = await TestSocket.open(c.t.wsUrl, alice.token)
    const b = await TestSocket.open(c.t.wsUrl, bob.token)
    await a.request(
      { type: 'send_message', conversation_id: id, content: 'before', client_id: 'kick-1' },
      'message_ack',
    )
    await b.next('new_message', (f) => f.message.content === 'before')
    expect(
      (await api(c.t.url).delete(`/api/chat/conversations/${id}/participants/${bob.id}/`, alice.token))
        .status,
    ).toBe(204)
    await a.request(
      { type: 'send_message', conversation_id: id, content: 'after', client_id: 'kick-2' },
      'message_ack',
    )
    await b.next('participant_removed', (f) => f.conversation_id === id)
    expect(
      (
        await b.request(
          { type: 'send_message', conversation_id: id, content: 'let me in', client_id: 'kick-3' },
          'message_ack',
        )
      ).code,
    ).toBe('not_found')
    await b.request({ type: 'ping' }, 'pong')
    expect(b.all('new_message').filter((f) => f.message.content === 'after')).toEqual([])
    await Promise.all([a.close(), b.close()])
  })

  it('answers malformed and unknown frames with error frames and keeps the socket usable', async () => {
    const a = await TestSocket.open(c.t.wsUrl, alice.token)
    a.send('{not json')
    expect((await a.next('error')).code).toBe('malformed_frame')
    a.send({ type: 'launch_rockets', ref: 'r1' })
    expect(await a.next('error')).toMatchObject({ code: 'unknown_type', ref: 'r1' })
    a.send({ type: 'message', content: 'short form needs a scoped socket', ref: 'r2' })
    expect(await a.next('error')).toMatchObject({ code: 'unknown_type', ref: 'r2' })
    a.send({ type: 'send_message', conversation_id: room, content: '', client_id: 'x', ref: 'r3' })
    expect(await a.next('error')).toMatchObject({ code: 'invalid_frame', ref: 'r3' })
    a.send({
      type: 'send_message',
      conversation_id: room,
      content: 'x'.repeat(4001),
      client_id: 'y',
      ref: 'r4',
    })
    expect(await a.next('error')).toMatchObject({ code: 'invalid_frame', ref: 'r4' })
    a.send({ type: 'ping', extra: 1, ref: 'r5' })
    expect(await a.next('error')).toMatchObject({ code: 'invalid_frame', ref: 'r5' })
    expect(
      (
        await a.request(
          { type: 'send_message', conversation_id: room, content: 'still fine', client_id: 'ok-1' },
          'message_ack',
        )
      ).type,
    ).toBe('message_ack')
    a.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(70 * 1024) }))
    expect(await a.closed).toBe(1009)
  })

  it('reports where sends spend their time, per batch, in /metrics', async () => {
    const series = async () => readSendBatches((await api(c.t.url).get('/metrics')).text)!
    const before = await series()
    const a = await TestSocket.open(c.t.wsUrl, alice.token)
    await Promise.all(
      ['m-1', 'm-2', 'm-3'].map((id) =>
        a.request({ type: 'send_message', conversation_id: room, content: id, client_id: id }, 'message_ack'),
      ),
    )
    await a.close()
    const after = await series()
    expect(after.messages - before.messages).toBe(3)
    const batches = after.batches - before.batches
    expect(batches).toBeGreaterThanOrEqual(1)
    // Every stage of every batch.
    expect(SEND_BATCH_STAGES.map((s) => after.counts[s] - before.counts[s])).toEqual(
      SEND_BATCH_STAGES.map(() => batches),
    )
    expect(after.seconds.database).toBeGreaterThan(before.seconds.database)
  })

  it('cuts off a slow consumer with 1013 without buffering without bound', async () => {
    const slow = await TestSocket.open(c.t.wsUrl, bob.token)
    const rawSocket = (slow.ws as any)._socket
    rawSocket.pause()
    const a = await TestSocket.open(c.t.wsUrl, alice.token)
    const big = '😀'.repeat(3999)
    let sent = 0
    // Keep sending until the server gives up on the slow socket (observed through its metric).
    const cutOffs = async () => {
      const text = (await api(c.t.url).get('/metrics')).text
      return Number(/^parley_ws_slow_consumer_closes_total (\d+)/m.exec(text)?.[1])
    }
    const before = await cutOffs()
    while (sent < 2000) {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          a.request(
            { type: 'send_message', conversation_id: room, content: big, client_id: `flood-${sent + i}` },
            'message_ack',
          ),
        ),
      )
      sent += 20
      if ((await cutOffs()) > before) break
    }
    expect(sent).toBeLessThan(2000)
    let received = 0
    slow.ws.on('message', (d: Buffer) => (received += d.length))
    rawSocket.resume()
    expect(await slow.closed).toBe(1013)
    // What reached the client is bounded by the 256 KiB limit plus kernel socket buffers, not by what was sent.
    expect(received).toBeLessThan(sent * big.length * 4)
    await a.close()
  })

  it('refuses bad handshakes before the upgrade', async () => {
    expect(await TestSocket.handshakeStatus(`${c.t.wsUrl}/ws/chat/`)).toBe(401)
    expect(await TestSocket.handshakeStatus(`${c.t.wsUrl}/ws/chat/?token=garbage`)).toBe(401)
    expect(
      await TestSocket.handshakeStatus(`${c.t.wsUrl}/ws/chat/?token=${alice.token}`, {
        headers: { origin: 'https://evil.example' },
      }),
    ).toBe(403)
    expect(await TestSocket.handshakeStatus(`${c.t.wsUrl}/ws/chat/${room}/?token=${eve.token}`)).toBe(404)
    const viaProtocol = await TestSocket.open(c.t.wsUrl, alice.token, `/ws/chat/${alice.tenantId}/`, {
      protocol: true,
    })
    expect(viaProtocol.ws.protocol).toBe('bearer')
    await viaProtocol.close()
  })

  it('supports the conversation-scoped form and its short frames', async () => {
    const b = await TestSocket.open(c.t.wsUrl, bob.token)
    const scoped = await TestSocket.open(c.t.wsUrl, alice.token, `/ws/chat/${room}/`)
    expect((await scoped.next('history')).conversation_id).toBe(room)
    scoped.send({ type: 'message', content: 'short form' })
    const got = await b.next('new_message', (f) => f.message.content === 'short form')
    scoped.send({ type: 'typing', is_typing: true })
    expect(await b.next('typing_indicator', (f) => f.is_typing)).toMatchObject({
      user_id: alice.id,
      conversation_id: room,
    })
    b.send({ type: 'mark_read', conversation_id: room, up_to_seq: got.message.seq })
    expect(await scoped.next('read_receipt', (f) => f.user_id === bob.id)).toMatchObject({
      up_to_seq: got.message.seq,
    })
    await Promise.all([b.close(), scoped.close()])
  })

  it('closes the sockets of a revoked session with 4001', async () => {
    const a = await TestSocket.open(c.t.wsUrl, alice.token)
    await c.t.platform.revocations.revoke(alice.sessionId, new Date(Date.now() + 60_000))
    expect(await a.closed).toBe(4001)
  })

  it('rate-limits frames per connection without closing, and drops connections that stop answering pings', async () => {
    const strict = await startChat({ frameRate: { perSecond: 20, burst: 40 }, heartbeatMs: 100 })
    try {
      const u = await strict.user()
      const s = await TestSocket.open(strict.t.wsUrl, u.token)
      for (let i = 0; i < 60; i++) s.send({ type: 'ping', ref: `p${i}` })
      const limited = await s.next('error', (f) => f.code === 'rate_limited')
      expect(limited.ref).toMatch(/^p\d+$/)
      expect(s.all('pong').length).toBeLessThanOrEqual(41)
      // Still usable, and alive while it answers pings (the ws client pongs by itself).
      await new Promise((r) => setTimeout(r, 1_100))
      expect((await s.request({ type: 'ping' }, 'pong')).type).toBe('pong')
      // A peer that stops reading misses the pings and is terminated.
      ;(s.ws as any)._socket.pause()
      const gauge = async () =>
        Number(/^parley_ws_connections (\d+)/m.exec((await api(strict.t.url).get('/metrics')).text)?.[1])
      await eventually(async () => (await gauge()) === 0)
    } finally {
      await strict.close()
    }
  })
})
