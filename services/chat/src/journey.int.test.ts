import { authService } from '@parley/auth'
import { contactsService } from '@parley/contacts'
import {
  api,
  type SignedUpUser,
  signUp,
  startTestServer,
  type TestServer,
  unique,
} from '@parley/platform/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { chatService } from './index'
import { TestSocket } from './testing/harness'

/**
 * The whole journey with the real services: people sign up through auth, become contacts
 * through the contacts API, and chat in the direct conversation that the contact's events
 * create, over WebSockets and REST. Nothing here signs tokens or publishes events itself.
 */
describe('chat with the real auth and contacts services', () => {
  let t: TestServer
  let alice: SignedUpUser
  let bob: SignedUpUser
  let carol: SignedUpUser
  let mallory: SignedUpUser
  let room: string
  const http = () => api(t.url)

  /** Alice invites `other` by person_id and `other` accepts; answers the room_id. */
  async function becomeContacts(inviter: SignedUpUser, invitee: SignedUpUser): Promise<string> {
    expect(
      (await http().post('/acac/search/', { person_id: invitee.person_id }, inviter.access)).status,
    ).toBe(200)
    expect(
      (await http().post('/acac/send-invite/', { person_id: invitee.person_id }, inviter.access)).status,
    ).toBe(201)
    const received = await http().get('/acac/received-invite/', invitee.access)
    const invite = received.body.results.find(
      (i: { sender: { person_id: string } }) => i.sender.person_id === inviter.person_id,
    )
    const accepted = await http().post(
      '/acac/accept-invite/',
      { invite_id: invite.id, accept: true },
      invitee.access,
    )
    expect(accepted.status).toBe(200)
    await t.platform.bus.drain()
    const contacts = await http().get('/acac/contacts/', inviter.access)
    const contact = contacts.body.results.find(
      (c: { contact: { person_id: string } }) => c.contact.person_id === invitee.person_id,
    )
    expect(contact.room_id).toBe(accepted.body.room_id)
    return contact.room_id
  }

  beforeAll(async () => {
    t = await startTestServer([authService, contactsService, chatService])
    alice = await signUp(t.url, { first_name: 'Alice' })
    bob = await signUp(t.url, { first_name: 'Bob' })
    carol = await signUp(t.url)
    mallory = await signUp(t.url, { tenant: unique('other') })
    await t.platform.bus.drain()
    room = await becomeContacts(alice, bob)
  })
  afterAll(() => t?.close())

  it('creates the direct conversation of two new contacts', async () => {
    const conv = await http().get(`/api/chat/conversations/${room}/`, alice.access)
    expect(conv.status).toBe(200)
    expect(conv.body).toMatchObject({ id: room, type: 'direct', is_read_only: false })
    expect(conv.body.participants.map((p: { user_id: string }) => p.user_id).sort()).toEqual(
      [alice.id, bob.id].sort(),
    )
    const mine = await http().get('/api/chat/conversations/', bob.access)
    expect(mine.body.results.map((c: { id: string }) => c.id)).toContain(room)
    // Asking for the direct conversation of a contact answers the same one.
    const direct = await http().post(
      '/api/chat/conversations/',
      { type: 'direct', participant_ids: [bob.id] },
      alice.access,
    )
    expect(direct).toMatchObject({ status: 200, body: { id: room } })
  })

  it('delivers in real time over two sockets and REST, with names from the auth profile', async () => {
    const a = await TestSocket.open(t.wsUrl, alice.access)
    const b = await TestSocket.open(t.wsUrl, bob.access)
    const ack = await a.request(
      { type: 'send_message', conversation_id: room, content: 'hi Bob', client_id: 'j-1' },
      'message_ack',
    )
    expect(ack.message).toMatchObject({
      content: 'hi Bob',
      sender_id: alice.id,
      sender_person_id: alice.person_id,
      sender_name: 'Alice',
    })
    expect((await b.next('new_message')).message.id).toBe(ack.message.id)

    const viaRest = await http().post(
      `/api/chat/conversations/${room}/messages/`,
      { content: 'hello from REST' },
      bob.access,
    )
    expect(viaRest.status).toBe(201)
    expect((await a.next('new_message', (f) => f.message.id === viaRest.body.id)).message.sender_name).toBe(
      'Bob',
    )

    b.send({ type: 'start_typing', conversation_id: room })
    expect(await a.next('typing_indicator')).toMatchObject({
      conversation_id: room,
      user_id: bob.id,
      is_typing: true,
    })
    b.send({ type: 'stop_typing', conversation_id: room })
    expect(await a.next('typing_indicator')).toMatchObject({ user_id: bob.id, is_typing: false })

    // Sending counts as reading for the sender, so Bob has read up to his own message already.
    a.send({ type: 'mark_read', conversation_id: room, up_to_seq: viaRest.body.seq })
    expect(await b.next('read_receipt', (f) => f.user_id === alice.id)).toMatchObject({
      up_to_seq: viaRest.body.seq,
    })
    const history = await http().get(`/api/chat/conversations/${room}/messages/`, alice.access)
    expect(history.body.messages.map((m: { content: string }) => m.content)).toEqual([
      'hi Bob',
      'hello from REST',
    ])
    expect(history.body.messages.map((m: { is_seen: boolean }) => m.is_seen)).toEqual([true, true])

    const presence = await http().get(`/api/chat/presence/?user_ids=${bob.id}`, alice.access)
    expect(presence.body).toEqual([expect.objectContaining({ user_id: bob.id, status: 'online' })])
    await Promise.all([a.close(), b.close()])
  })

  it('lets a third person of the tenant neither read, post nor see typing', async () => {
    const a = await TestSocket.open(t.wsUrl, alice.access)
    const c = await TestSocket.open(t.wsUrl, carol.access)
    expect((await http().get(`/api/chat/conversations/${room}/`, carol.access)).status).toBe(404)
    expect((await http().get(`/api/chat/conversations/${room}/messages/`, carol.access)).status).toBe(404)
    expect(
      (await http().post(`/api/chat/conversations/${room}/messages/`, { content: 'let me in' }, carol.access))
        .status,
    ).toBe(404)
    expect((await http().post('/messages/fetch-messages/', { room_id: room }, carol.access)).status).toBe(404)
    expect(
      (
        await c.request(
          { type: 'send_message', conversation_id: room, content: 'x', client_id: 'c-1' },
          'message_ack',
        )
      ).code,
    ).toBe('not_found')
    expect((await c.request({ type: 'join_conversation', conversation_id: room }, 'history')).code).toBe(
      'not_found',
    )
    expect((await c.request({ type: 'start_typing', conversation_id: room }, 'typing_indicator')).code).toBe(
      'not_found',
    )
    expect(await TestSocket.handshakeStatus(`${t.wsUrl}/ws/chat/${room}/?token=${carol.access}`)).toBe(404)

    a.send({ type: 'start_typing', conversation_id: room })
    await a.request(
      { type: 'send_message', conversation_id: room, content: 'private', client_id: 'j-private' },
      'message_ack',
    )
    // Carol's socket answers a ping after both were fanned out, so anything meant for her has arrived.
    await c.request({ type: 'ping' }, 'pong')
    expect(c.all('new_message')).toEqual([])
    expect(c.all('typing_indicator')).toEqual([])
    await Promise.all([a.close(), c.close()])
  })

  it('answers 404 to a user of another tenant, on REST and the socket', async () => {
    for (const path of [
      `/api/chat/conversations/${room}/`,
      `/api/chat/conversations/${room}/messages/`,
      `/api/chat/conversations/${room}/participants/`,
    ]) {
      expect((await http().get(path, mallory.access)).status).toBe(404)
    }
    expect(
      (await http().post(`/api/chat/conversations/${room}/messages/`, { content: 'hi' }, mallory.access))
        .status,
    ).toBe(404)
    const post = await http().post(
      '/api/chat/conversations/',
      { type: 'group', name: 'x', participant_ids: [alice.id] },
      mallory.access,
    )
    expect(post.status).toBe(404)
    expect(await TestSocket.handshakeStatus(`${t.wsUrl}/ws/chat/${room}/?token=${mallory.access}`)).toBe(404)
    expect(
      await TestSocket.handshakeStatus(`${t.wsUrl}/ws/chat/${alice.tenant_id}/?token=${mallory.access}`),
    ).toBe(404)
    const m = await TestSocket.open(t.wsUrl, mallory.access)
    expect((await m.request({ type: 'join_conversation', conversation_id: room }, 'history')).code).toBe(
      'not_found',
    )
    await m.close()
  })

  it('makes the conversation read-only when the contact is removed, and writable when they reconnect', async () => {
    const a = await TestSocket.open(t.wsUrl, alice.access)
    expect((await http().delete(`/acac/contacts/${bob.person_id}/`, alice.access)).status).toBe(204)
    await t.platform.bus.drain()
    expect(await a.next('conversation_updated', (f) => f.conversation_id === room)).toMatchObject({
      conversation: { is_read_only: true },
    })
    const refused = await http().post(
      `/api/chat/conversations/${room}/messages/`,
      { content: 'still there?' },
      bob.access,
    )
    expect(refused.body.type).toBe('/problems/conversation-read-only')
    expect(
      (
        await a.request(
          { type: 'send_message', conversation_id: room, content: 'x', client_id: 'j-ro' },
          'message_ack',
        )
      ).code,
    ).toBe('read_only')
    // History stays readable.
    expect(
      (await http().get(`/api/chat/conversations/${room}/messages/`, bob.access)).body.messages.length,
    ).toBeGreaterThan(0)

    const again = await becomeContacts(bob, alice)
    const conv = await http().get(`/api/chat/conversations/${again}/`, alice.access)
    expect(conv.body.is_read_only).toBe(false)
    expect(
      (
        await http().post(
          `/api/chat/conversations/${again}/messages/`,
          { content: 'friends again' },
          bob.access,
        )
      ).status,
    ).toBe(201)
    room = again
    await a.close()
  })

  it('makes the conversation read-only when one blocks the other', async () => {
    expect((await http().post(`/acac/blocks/${alice.person_id}/`, {}, bob.access)).status).toBe(201)
    await t.platform.bus.drain()
    expect((await http().get(`/api/chat/conversations/${room}/`, alice.access)).body.is_read_only).toBe(true)
    expect(
      (await http().post(`/api/chat/conversations/${room}/messages/`, { content: 'hello?' }, alice.access))
        .body.type,
    ).toBe('/problems/conversation-read-only')
    // Unblocking does not restore the contact (contacts removes it on block), so it stays read-only.
    expect((await http().delete(`/acac/blocks/${alice.person_id}/`, bob.access)).status).toBe(204)
    await t.platform.bus.drain()
    expect((await http().get(`/api/chat/conversations/${room}/`, alice.access)).body.is_read_only).toBe(true)
  })

  it('closes the sockets of a session that logs out with 4001, and its token stops working', async () => {
    const c = await TestSocket.open(t.wsUrl, carol.access)
    expect((await http().post('/api/auth/logout/', { refresh: carol.refresh })).status).toBe(204)
    expect(await c.closed).toBe(4001)
    expect((await http().get('/api/chat/conversations/', carol.access)).status).toBe(401)
    expect(await TestSocket.handshakeStatus(`${t.wsUrl}/ws/chat/?token=${carol.access}`)).toBe(401)
  })
})
