import { authService } from '@parley/auth'
import { contactsService } from '@parley/contacts'
import {
  api,
  eventually,
  type SignedUpUser,
  signUp,
  startTestServer,
  type TestServer,
} from '@parley/platform/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { chatService } from '../index'
import { TestSocket } from '../testing/harness'

/**
 * Chat's presence reaches the contacts service's contact list through `user.presence_changed`
 * events, with the real auth, contacts and chat services and nothing published by the test.
 */
describe('presence in the contact list', () => {
  let t: TestServer
  let ann: SignedUpUser
  let bob: SignedUpUser
  const http = () => api(t.url)

  beforeAll(async () => {
    t = await startTestServer([authService, contactsService, chatService])
    ann = await signUp(t.url, { first_name: 'Ann' })
    bob = await signUp(t.url, { first_name: 'Bob' })
    await t.platform.bus.drain()
    const sent = await http().post('/acac/send-invite/', { person_id: bob.person_id }, ann.access)
    expect(
      (await http().post('/acac/accept-invite/', { invite_id: sent.body.id, accept: true }, bob.access))
        .status,
    ).toBe(200)
    await t.platform.bus.drain()
  })
  afterAll(() => t?.close())

  /** Bob's presence in Ann's `GET /acac/contacts/` once the events so far are delivered. */
  async function bobForAnn(): Promise<{ status: string; last_seen: string | null }> {
    await t.platform.bus.drain()
    const list = await http().get('/acac/contacts/', ann.access)
    return list.body.results.find((r: { contact: { user_id: string } }) => r.contact.user_id === bob.id)
      .presence
  }
  // @NOTE Chat writes the event right after the socket frames, without making them wait, so it may
  // commit just after the socket's own answer: the drain is retried until it has been written.
  const bobBecomes = (status: string) =>
    eventually(async () => ((await bobForAnn()).status === status ? bobForAnn() : false))

  it('shows Bob online while his socket is open, busy when he says so, and offline with last_seen when he leaves', async () => {
    expect(await bobForAnn()).toEqual({ status: 'offline', last_seen: null })
    const before = Date.now()

    const b = await TestSocket.open(t.wsUrl, bob.access)
    const online = await bobBecomes('online')
    expect(Date.parse(online.last_seen!)).toBeGreaterThanOrEqual(before - 1_000)

    b.send({ type: 'update_presence', status: 'busy' })
    await b.next('presence', (f) => f.user_id === bob.id && f.status === 'busy')
    expect((await bobBecomes('busy')).last_seen).toBe(online.last_seen)

    // A second tab changes nothing for his contacts; closing it neither.
    const b2 = await TestSocket.open(t.wsUrl, bob.access)
    await b2.close()
    expect((await bobForAnn()).status).toBe('busy')

    await b.close()
    const offline = await bobBecomes('offline')
    expect(Date.parse(offline.last_seen!)).toBeGreaterThanOrEqual(Date.parse(online.last_seen!))
    // Chat and the contact list agree.
    const live = await http().get(`/api/chat/presence/?user_ids=${bob.id}`, ann.access)
    expect(live.body).toEqual([{ user_id: bob.id, status: 'offline', last_seen: offline.last_seen }])
  })
})
