// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from 'vitest'

import type { Message } from '../lib/types'
import { backoffDelay } from './backoff'
import { RealtimeClient } from './client'
import { FakeSocket, FakeTimers, flush } from './test-utils'

function msg(seq: number, extra: Partial<Message> = {}): Message {
  return {
    id: `m${seq}`,
    conversation_id: 'c1',
    seq,
    sender_id: 'u2',
    sender_person_id: null,
    sender_name: null,
    content: `hello ${seq}`,
    message_type: 'text',
    reply_to: null,
    attachments: [],
    reactions: [],
    created_at: new Date(2025, 0, 1, 12, seq).toISOString(),
    edited_at: null,
    deleted: false,
    is_delivered: false,
    is_seen: false,
    client_id: null,
    mentions: [],
    ...extra,
  }
}

describe('backoffDelay', () => {
  it('grows exponentially, is capped, and jitters within the upper half', () => {
    expect(backoffDelay(1, { random: () => 0 })).toBe(250)
    expect(backoffDelay(1, { random: () => 1 })).toBe(500)
    expect(backoffDelay(2, { random: () => 1 })).toBe(1000)
    expect(backoffDelay(4, { random: () => 1 })).toBe(4000)
    expect(backoffDelay(30, { random: () => 1 })).toBe(30_000)
    expect(backoffDelay(30, { random: () => 0 })).toBe(15_000)
  })
})

describe(RealtimeClient.name, () => {
  let timers: FakeTimers
  let sockets: FakeSocket[]
  let ids: number
  let client: RealtimeClient
  let tokenCalls: number

  beforeEach(() => {
    timers = new FakeTimers()
    sockets = []
    ids = 0
    tokenCalls = 0
    client = new RealtimeClient({
      getAccessToken: async () => `tok${++tokenCalls}`,
      createSocket: (url) => {
        const s = new FakeSocket(url)
        sockets.push(s)
        return s
      },
      url: (t) => `ws://test/ws/chat/?token=${t}`,
      timers,
      backoff: { random: () => 1 },
      newId: () => `cid-${++ids}`,
      fetchMessage: async (_c, id) =>
        msg(Number(id.slice(1)), { content: `edited ${id}`, edited_at: 'later' }),
    })
  })

  async function connected(): Promise<FakeSocket> {
    client.start()
    await flush()
    const s = sockets[sockets.length - 1]
    s.open()
    s.receive({ type: 'connection_established', user_id: 'u1', tenant_id: 't1', timestamp: 'now' })
    return s
  }

  it('connects with the access token in the query string and reports the state', async () => {
    expect(client.getState()).toBe('idle')
    client.start()
    expect(client.getState()).toBe('connecting')
    await flush()
    expect(sockets[0].url).toBe('ws://test/ws/chat/?token=tok1')
    sockets[0].open()
    expect(client.getState()).toBe('open')
  })

  it('keeps an optimistic message pending until message_ack, then replaces it by the stored message', async () => {
    const s = await connected()
    client.store.loadLatest('c1', [msg(1)], false)
    client.sendMessage({ conversation_id: 'c1', content: 'hi' })
    expect(s.ofType('send_message')).toEqual([
      { type: 'send_message', conversation_id: 'c1', content: 'hi', client_id: 'cid-1', ref: 'cid-1' },
    ])
    expect(client.store.get('c1').pending.map((p) => p.status)).toEqual(['sending'])

    s.receive({
      type: 'message_ack',
      client_id: 'cid-1',
      message: msg(2, { sender_id: 'u1', content: 'hi', client_id: 'cid-1' }),
    })
    const c = client.store.get('c1')
    expect(c.pending).toEqual([])
    expect(c.messages.map((m) => m.seq)).toEqual([1, 2])
    expect(c.contiguousSeq).toBe(2)
  })

  it('does not duplicate when new_message with the same client_id arrives before and after the ack', async () => {
    const s = await connected()
    client.store.loadLatest('c1', [], false)
    client.sendMessage({ conversation_id: 'c1', content: 'hi' })
    const stored = msg(1, { sender_id: 'u1', content: 'hi', client_id: 'cid-1' })
    s.receive({ type: 'new_message', message: stored })
    s.receive({ type: 'message_ack', client_id: 'cid-1', message: stored })
    expect(client.store.get('c1').messages).toHaveLength(1)
    expect(client.store.get('c1').pending).toHaveLength(0)
  })

  it('marks a send failed when no ack comes, and retries with the same client_id', async () => {
    const s = await connected()
    client.store.loadLatest('c1', [], false)
    client.sendMessage({ conversation_id: 'c1', content: 'hi' })
    timers.advance(10_001)
    expect(client.store.get('c1').pending[0].status).toBe('failed')
    client.retry('cid-1')
    expect(client.store.get('c1').pending[0].status).toBe('sending')
    expect(s.ofType('send_message').map((f) => f.client_id)).toEqual(['cid-1', 'cid-1'])
  })

  it('marks a send failed on an error frame that refers to it', async () => {
    const s = await connected()
    client.store.loadLatest('c1', [], false)
    client.sendMessage({ conversation_id: 'c1', content: 'hi' })
    s.receive({ type: 'error', code: 'forbidden', message: 'Read-only conversation', ref: 'cid-1' })
    expect(client.store.get('c1').pending[0]).toMatchObject({
      status: 'failed',
      error: 'Read-only conversation',
    })
  })

  it('detects a seq gap and catches up with join_conversation {after_seq}', async () => {
    const s = await connected()
    client.store.loadLatest('c1', [msg(1), msg(2)], false)
    s.receive({ type: 'new_message', message: msg(3) })
    expect(s.ofType('join_conversation')).toEqual([])

    s.receive({ type: 'new_message', message: msg(6) })
    expect(s.ofType('join_conversation')).toEqual([
      { type: 'join_conversation', conversation_id: 'c1', after_seq: 3 },
    ])
    // A second gap message while the catch-up is in flight does not ask again.
    s.receive({ type: 'new_message', message: msg(7) })
    expect(s.ofType('join_conversation')).toHaveLength(1)

    s.receive({ type: 'history', conversation_id: 'c1', messages: [msg(4), msg(5)], has_more: false })
    const c = client.store.get('c1')
    expect(c.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7])
    expect(c.contiguousSeq).toBe(7)
  })

  it('pages a catch-up that has more', async () => {
    const s = await connected()
    client.store.loadLatest('c1', [msg(1)], false)
    s.receive({ type: 'new_message', message: msg(5) })
    s.receive({ type: 'history', conversation_id: 'c1', messages: [msg(2), msg(3)], has_more: true })
    expect(s.ofType('join_conversation').map((f) => f.after_seq)).toEqual([1, 3])
    s.receive({ type: 'history', conversation_id: 'c1', messages: [msg(4)], has_more: false })
    expect(client.store.get('c1').contiguousSeq).toBe(5)
  })

  it('reconnects with growing backoff and catches up and resends after reconnecting', async () => {
    const s1 = await connected()
    client.store.loadLatest('c1', [msg(1), msg(2)], false)
    s1.serverClose(1006)
    expect(client.getState()).toBe('reconnecting')
    client.sendMessage({ conversation_id: 'c1', content: 'while offline' })
    expect(client.store.get('c1').pending).toHaveLength(1)

    // attempt 1: 500 ms (random=1); nothing before that
    timers.advance(499)
    await flush()
    expect(sockets).toHaveLength(1)
    timers.advance(1)
    await flush()
    expect(sockets).toHaveLength(2)
    expect(sockets[1].url).toContain('token=tok2')

    // the handshake fails: attempt 2 waits 1000 ms
    sockets[1].serverClose(1006)
    timers.advance(999)
    await flush()
    expect(sockets).toHaveLength(2)
    timers.advance(1)
    await flush()
    expect(sockets).toHaveLength(3)

    const s3 = sockets[2]
    s3.open()
    expect(client.getState()).toBe('open')
    expect(s3.ofType('join_conversation')).toEqual([
      { type: 'join_conversation', conversation_id: 'c1', after_seq: 2 },
    ])
    expect(s3.ofType('send_message').map((f) => f.content)).toEqual(['while offline'])

    // after a successful open the backoff starts over
    s3.serverClose(1006)
    timers.advance(500)
    await flush()
    expect(sockets).toHaveLength(4)
  })

  it('stops and reports when the server ends the session (4001)', async () => {
    let unauthorized = 0
    const c2 = new RealtimeClient({
      getAccessToken: async () => 'tok',
      createSocket: (url) => {
        const s = new FakeSocket(url)
        sockets.push(s)
        return s
      },
      url: (t) => t,
      timers,
      onUnauthorized: () => unauthorized++,
    })
    c2.start()
    await flush()
    sockets[0].open()
    sockets[0].serverClose(4001)
    expect(unauthorized).toBe(1)
    expect(c2.getState()).toBe('closed')
    timers.advance(60_000)
    await flush()
    expect(sockets).toHaveLength(1)
  })

  it('applies receipts, typing, edits, deletes and reactions', async () => {
    const s = await connected()
    client.store.loadLatest('c1', [msg(1, { sender_id: 'u1' }), msg(2, { sender_id: 'u1' })], false)
    s.receive({ type: 'delivery_receipt', conversation_id: 'c1', user_id: 'u2', up_to_seq: 2 })
    s.receive({ type: 'read_receipt', conversation_id: 'c1', user_id: 'u2', up_to_seq: 1 })
    expect(client.store.get('c1').positions.u2).toEqual({ read: 1, delivered: 2 })

    s.receive({ type: 'typing_indicator', conversation_id: 'c1', user_id: 'u2', is_typing: true })
    expect(Object.keys(client.store.get('c1').typing)).toEqual(['u2'])
    timers.advance(9_000)
    expect(client.store.get('c1').typing).toEqual({})

    s.receive({
      type: 'message_updated',
      message: { ...msg(1, { sender_id: 'u1' }), content: 'edited', edited_at: 'x' },
    })
    s.receive({ type: 'message_deleted', conversation_id: 'c1', message_id: 'm2' })
    s.receive({ type: 'reaction_added', conversation_id: 'c1', message_id: 'm1', user_id: 'u2', emoji: '👍' })
    const [m1, m2] = client.store.get('c1').messages
    expect(m1).toMatchObject({ content: 'edited', reactions: { '👍': ['u2'] } })
    expect(m2).toMatchObject({ deleted: true, content: '' })
    s.receive({
      type: 'reaction_removed',
      conversation_id: 'c1',
      message_id: 'm1',
      user_id: 'u2',
      emoji: '👍',
    })
    expect(client.store.get('c1').messages[0].reactions).toEqual({})
  })

  it('accepts frames whose fields are wrapped in payload', async () => {
    const s = await connected()
    client.store.loadLatest('c1', [msg(1)], false)
    s.receive({ type: 'new_message', payload: { message: msg(2) } })
    expect(client.store.get('c1').contiguousSeq).toBe(2)
  })

  it('keeps the sync cursor and, after a reconnect, replays edits, deletes, reactions, receipts and new messages of every conversation', async () => {
    const s1 = await connected()
    expect(s1.ofType('sync')).toEqual([{ type: 'sync', ref: 'sync' }])
    s1.receive({ type: 'sync', ref: 'sync', events: [], next: '10-1' })
    expect(client.cursor).toBe('10-1')
    client.store.loadLatest('c1', [msg(1), msg(2), msg(3)], false)
    client.store.loadLatest('c2', [msg(1, { id: 'x1', conversation_id: 'c2' })], false)

    s1.serverClose()
    timers.advance(1_000)
    await flush()
    const s2 = sockets[sockets.length - 1]
    s2.open()
    expect(s2.ofType('sync')).toEqual([{ type: 'sync', since: '10-1', ref: 'sync' }])
    const ev = (cursor: string, type: string, conversation_id: string, data: Record<string, unknown>) => ({
      cursor,
      type,
      conversation_id,
      data,
    })
    s2.receive({
      type: 'sync',
      ref: 'sync',
      next: '12-6',
      events: [
        ev('11-1', 'message.edited', 'c1', { message_id: 'm2', seq: 2 }),
        ev('11-2', 'message.deleted', 'c1', { message_id: 'm3', seq: 3 }),
        ev('11-3', 'reaction.added', 'c1', { message_id: 'm1', user_id: 'u2', emoji: '👍' }),
        ev('12-4', 'receipt.read', 'c1', { user_id: 'u2', up_to_seq: 3 }),
        ev('12-5', 'message.new', 'c2', { message_id: 'x2', seq: 2 }),
      ],
    })
    await flush()
    const c1 = client.store.get('c1')
    expect(c1.messages.find((m) => m.id === 'm2')?.content).toBe('edited m2')
    expect(c1.messages.find((m) => m.id === 'm3')?.deleted).toBe(true)
    expect(c1.messages.find((m) => m.id === 'm1')?.reactions).toBeTruthy()
    expect(c1.positions.u2).toEqual({ read: 3, delivered: 3 })
    expect(s2.ofType('join_conversation')).toContainEqual({
      type: 'join_conversation',
      conversation_id: 'c2',
      after_seq: 1,
    })
    expect(client.cursor).toBe('12-6')
    // A non-empty page may not be the last one: it asks again from the new cursor.
    expect(s2.ofType('sync').at(-1)).toEqual({ type: 'sync', since: '12-6', ref: 'sync' })
  })

  it('asks for sync again after an empty answer (changes of still-running transactions are held back), backing off', async () => {
    const s = await connected()
    s.receive({ type: 'sync', ref: 'sync', events: [], next: '5-1' })
    expect(s.ofType('sync')).toHaveLength(1)
    timers.advance(1_000)
    expect(s.ofType('sync').at(-1)).toEqual({ type: 'sync', since: '5-1', ref: 'sync' })
    s.receive({ type: 'sync', ref: 'sync', events: [], next: '5-1' })
    timers.advance(1_999)
    expect(s.ofType('sync')).toHaveLength(2)
    timers.advance(1)
    expect(s.ofType('sync')).toHaveLength(3)
    s.receive({
      type: 'sync',
      ref: 'sync',
      events: [
        { cursor: '6-2', type: 'message.deleted', conversation_id: 'c1', data: { message_id: 'm1', seq: 1 } },
      ],
      next: '6-2',
    })
    expect(s.ofType('sync').at(-1)).toEqual({ type: 'sync', since: '6-2', ref: 'sync' })
  })

  it('drops the socket when the browser goes offline and reconnects at once when it is back', async () => {
    const s = await connected()
    client.goOffline()
    expect(client.getState()).toBe('offline')
    expect(s.closed).not.toBeNull()
    client.reconnectNow()
    await flush()
    expect(sockets).toHaveLength(2)
    expect(client.getState()).toBe('reconnecting')
    sockets[1].open()
    expect(client.getState()).toBe('open')
  })

  it('declares a silent connection dead after a missed heartbeat', async () => {
    await connected()
    timers.advance(25_000)
    expect(sockets[0].ofType('ping')).toHaveLength(1)
    timers.advance(10_000)
    expect(client.getState()).toBe('reconnecting')
  })
})

describe('ChatStore.loadLatest on a loaded conversation', () => {
  it('does not paper over a hole below a refreshed newest page', async () => {
    const { ChatStore } = await import('./chat-store')
    const store = new ChatStore()
    store.loadLatest('c1', [msg(1), msg(2)], false)
    store.loadLatest('c1', [msg(5), msg(6)], true)
    expect(store.get('c1').contiguousSeq).toBe(2)
    expect(store.receiveHistory('c1', [msg(3), msg(4)], false)).toEqual({})
    expect(store.get('c1').contiguousSeq).toBe(6)
  })

  it('refreshes edits and deletes of known messages from a newer copy', async () => {
    const { ChatStore } = await import('./chat-store')
    const store = new ChatStore()
    store.loadLatest('c1', [msg(1), msg(2)], false)
    store.loadLatest(
      'c1',
      [msg(1, { content: 'changed', edited_at: 'x' }), msg(2, { deleted: true, content: '' })],
      true,
    )
    expect(store.get('c1').messages.map((m) => [m.content, !!m.deleted])).toEqual([
      ['changed', false],
      ['', true],
    ])
  })
})
