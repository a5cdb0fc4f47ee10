import { api } from '@parley/platform/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type ChatTest, startChat, TestSocket, type TestUser } from '../testing/harness'

/**
 * Issue 14 point 7 and docs/SECURITY.md "Blocks": once A blocks B, none of B's live signals
 * (typing, presence, read and delivery receipts, reactions) reach A, nor A's reach B, in any
 * shared conversation; B cannot bring A into a conversation; B's messages in a shared group
 * stay part of that group. Checked over WebSocket: a third member's same signal, sent after B's,
 * is the proof that B's would have arrived by then.
 */
describe('blocks', () => {
  let c: ChatTest
  let alice: TestUser
  let bob: TestUser
  let carol: TestUser
  let dm: string
  let group: string
  let a: TestSocket
  let b: TestSocket
  let k: TestSocket

  beforeAll(async () => {
    c = await startChat({ receiptFlushMs: 20 })
    alice = await c.user({ firstName: 'Alice' })
    bob = await c.user({ firstName: 'Bob' })
    carol = await c.user({ firstName: 'Carol' })
    dm = await c.contacts(alice, bob)
    await c.contacts(alice, carol)
    const created = await api(c.t.url).post(
      '/api/chat/conversations/',
      { type: 'group', name: 'three', participant_ids: [bob.id, carol.id] },
      alice.token,
    )
    group = created.body.id
    a = await TestSocket.open(c.t.wsUrl, alice.token)
    b = await TestSocket.open(c.t.wsUrl, bob.token)
    k = await TestSocket.open(c.t.wsUrl, carol.token)
  })
  afterAll(async () => {
    await Promise.all([a, b, k].map((s) => s?.close()))
    await c?.close()
  })

  /** A ping round trip: whatever the server sent this socket before the pong has arrived. */
  const barrier = (s: TestSocket) => s.request({ type: 'ping' }, 'pong')

  const block = (blocker: TestUser, blocked: TestUser, on = true) =>
    c.event(on ? 'user.blocked' : 'user.unblocked', blocker.tenantId, {
      blocker_id: blocker.id,
      blocked_id: blocked.id,
      room_id: dm,
    })

  it("reaches A with B's typing and presence before the block (the control)", async () => {
    b.send({ type: 'start_typing', conversation_id: group })
    expect(await a.next('typing_indicator', (f) => f.user_id === bob.id && f.is_typing)).toBeTruthy()
    b.send({ type: 'stop_typing', conversation_id: group })
    await a.next('typing_indicator', (f) => f.user_id === bob.id && !f.is_typing)
    b.send({ type: 'update_presence', status: 'busy' })
    expect((await a.next('presence', (f) => f.user_id === bob.id && f.status === 'busy')).user_id).toBe(
      bob.id,
    )
    const before = await api(c.t.url).get(`/api/chat/presence/?user_ids=${bob.id}`, alice.token)
    expect(before.body).toEqual([expect.objectContaining({ user_id: bob.id, status: 'busy' })])
  })

  it("keeps B's typing, presence, receipts and reactions from A once A blocks B, and A's from B", async () => {
    await block(alice, bob)
    // The blocker is told of her own block (contact_updated about B), after the commit and through
    // the fan-out: counted from after it, what A gets about B is only what the block must stop.
    await a.next('contact_updated', (f) => f.user_id === bob.id && f.change === 'blocked')
    const aSince = a.frames.length
    const bSince = b.frames.length
    // A socket A opens after the block learns it from the database, not from the live change.
    const a2 = await TestSocket.open(c.t.wsUrl, alice.token)

    // Typing.
    b.send({ type: 'start_typing', conversation_id: group })
    await k.next('typing_indicator', (f) => f.user_id === bob.id && f.is_typing)
    k.send({ type: 'start_typing', conversation_id: group })
    await a.next('typing_indicator', (f) => f.user_id === carol.id && f.is_typing)
    await a2.next('typing_indicator', (f) => f.user_id === carol.id && f.is_typing)

    // A message of A's: delivered to B and C, so receipts of both are due to A.
    const ack = await a.request(
      { type: 'send_message', conversation_id: group, content: 'hello both', client_id: 'blk-1' },
      'message_ack',
    )
    const { id: messageId, seq } = ack.message as { id: string; seq: number }
    await a.next('delivery_receipt', (f) => f.user_id === carol.id && f.up_to_seq >= seq)

    // Read receipts and reactions.
    b.send({ type: 'mark_read', conversation_id: group, up_to_seq: seq })
    await k.next('read_receipt', (f) => f.user_id === bob.id)
    b.send({ type: 'add_reaction', message_id: messageId, emoji: '👍' })
    await k.next('reaction_added', (f) => f.user_id === bob.id)
    k.send({ type: 'mark_read', conversation_id: group, up_to_seq: seq })
    await a.next('read_receipt', (f) => f.user_id === carol.id)
    k.send({ type: 'add_reaction', message_id: messageId, emoji: '👍' })
    await a.next('reaction_added', (f) => f.user_id === carol.id)

    // Presence: B's goes to A's tabs no more (C's, a contact of A, still does).
    b.send({ type: 'update_presence', status: 'away' })
    k.send({ type: 'update_presence', status: 'away' })
    await a.next('presence', (f) => f.user_id === carol.id && f.status === 'away')

    // Asked by REST, B looks to A like someone never seen; C does not.
    const seen = await api(c.t.url).get(`/api/chat/presence/?user_ids=${bob.id},${carol.id}`, alice.token)
    expect(seen.status).toBe(200)
    expect(seen.body).toContainEqual({ user_id: bob.id, status: 'offline', last_seen: null })
    expect(seen.body).toContainEqual(expect.objectContaining({ user_id: carol.id, status: 'away' }))

    // A's typing does not reach B either; C's does.
    a.send({ type: 'start_typing', conversation_id: group })
    await k.next('typing_indicator', (f) => f.user_id === alice.id && f.is_typing)
    k.send({ type: 'stop_typing', conversation_id: group })
    await b.next('typing_indicator', (f) => f.user_id === carol.id && !f.is_typing)

    await Promise.all([barrier(a), barrier(a2), barrier(b)])
    const ofBob = (s: TestSocket, since: number) =>
      s.frames
        .slice(since)
        .filter((f) => f.user_id === bob.id)
        .map((f) => f.type)
    expect(ofBob(a, aSince)).toEqual([])
    expect(ofBob(a2, 0)).toEqual([])
    expect(
      b.frames
        .slice(bSince)
        .filter((f) => f.user_id === alice.id)
        .map((f) => f.type),
    ).toEqual([])
    await a2.close()
  })

  it("still shows B's messages in a shared group (the group's record is everyone's)", async () => {
    const ack = await b.request(
      { type: 'send_message', conversation_id: group, content: 'from bob', client_id: 'blk-2' },
      'message_ack',
    )
    expect((await a.next('new_message', (f) => f.message.id === ack.message.id)).message.sender_id).toBe(
      bob.id,
    )
  })

  it('does not let B bring A into a conversation', async () => {
    const http = api(c.t.url)
    const created = await http.post(
      '/api/chat/conversations/',
      { type: 'group', name: 'trap', participant_ids: [alice.id, carol.id] },
      bob.token,
    )
    expect(created.status).toBe(404)
    expect(created.body.type).toBe('/problems/user-not-found')
    const own = await http.post(
      '/api/chat/conversations/',
      { type: 'group', name: "bob's", participant_ids: [carol.id] },
      bob.token,
    )
    expect(own.status).toBe(201)
    const added = await http.post(
      `/api/chat/conversations/${own.body.id}/participants/`,
      { user_id: alice.id },
      bob.token,
    )
    expect(added.status).toBe(404)
    expect(added.body.type).toBe('/problems/user-not-found')
    // Nobody else is stopped: C (an admin here) may add A.
    await http.patch(
      `/api/chat/conversations/${own.body.id}/participants/${carol.id}/`,
      { role: 'admin' },
      bob.token,
    )
    expect(
      (
        await http.post(
          `/api/chat/conversations/${own.body.id}/participants/`,
          { user_id: alice.id },
          carol.token,
        )
      ).status,
    ).toBe(201)
  })

  it("lets B's signals through again after the unblock", async () => {
    await block(alice, bob, false)
    b.send({ type: 'start_typing', conversation_id: group })
    expect(await a.next('typing_indicator', (f) => f.user_id === bob.id && f.is_typing)).toBeTruthy()
  })
})
