import { authService } from '@parley/auth'
import { chatService } from '@parley/chat'
import { contactsService } from '@parley/contacts'
import { api, type SignedUpUser, signUp, startTestServer, type TestServer } from '@parley/platform/testing'
import { profileService } from '@parley/profile'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'

import { Client, type Frame } from './ws-client'

/**
 * Issue 15: people, invites and contacts live on every open socket. Each write below answers only
 * once its events were handled (ADR 0012), so the frame it causes is on its way when it answers;
 * the tests wait for that frame, never for time.
 */
describe('live people, invites and contacts over the chat socket', () => {
  let t: TestServer
  let c: ReturnType<typeof api>
  let wsUrl: string
  const open: Client[] = []

  beforeAll(async () => {
    t = await startTestServer([authService, profileService, contactsService, chatService])
    c = api(t.url)
    wsUrl = t.url.replace(/^http/, 'ws')
  })
  afterEach(() => open.splice(0).forEach((client) => client.close()))
  afterAll(() => t?.close())

  async function socketOf(user: SignedUpUser): Promise<Client> {
    const client = await Client.connect(wsUrl, user.access)
    open.push(client)
    return client
  }

  const inviteFrame = (id: string, status: string) => (f: Frame) =>
    f.type === 'invite_updated' && f.invite_id === id && f.status === status

  async function invite(from: SignedUpUser, to: SignedUpUser): Promise<string> {
    const res = await c.post('/acac/send-invite/', { person_id: to.person_id }, from.access)
    expect(res.status).toBe(201)
    return res.body.id as string
  }

  it('tells both people of an invite sent, accepted, rejected and cancelled, and both of the new contact', async () => {
    const [ann, bob, cem] = [await signUp(t.url), await signUp(t.url), await signUp(t.url)]
    const [annWs, bobWs, cemWs] = [await socketOf(ann), await socketOf(bob), await socketOf(cem)]

    const accepted = await invite(ann, bob)
    for (const ws of [annWs, bobWs]) {
      const sent = await ws.next(inviteFrame(accepted, 'pending'))
      expect(sent.sender).toMatchObject({ user_id: ann.id, person_id: ann.person_id })
      expect(sent.recipient).toMatchObject({ user_id: bob.id, person_id: bob.person_id })
    }
    const answer = await c.post('/acac/accept-invite/', { invite_id: accepted, accept: true }, bob.access)
    expect(answer.status).toBe(200)
    for (const ws of [annWs, bobWs]) {
      const done = await ws.next(inviteFrame(accepted, 'accepted'))
      expect(done.room_id).toBe(answer.body.room_id)
    }
    expect(await annWs.next((f) => f.type === 'contact_updated' && f.change === 'added')).toMatchObject({
      user_id: bob.id,
      room_id: answer.body.room_id,
    })
    expect(await bobWs.next((f) => f.type === 'contact_updated' && f.change === 'added')).toMatchObject({
      user_id: ann.id,
      room_id: answer.body.room_id,
    })

    const rejected = await invite(cem, ann)
    expect(
      (await c.post('/acac/accept-invite/', { invite_id: rejected, accept: false }, ann.access)).status,
    ).toBe(200)
    for (const ws of [cemWs, annWs]) await ws.next(inviteFrame(rejected, 'rejected'))

    const cancelled = await invite(cem, bob)
    expect((await c.delete(`/acac/sent-invites/${cancelled}/`, cem.access)).status).toBeLessThan(300)
    for (const ws of [cemWs, bobWs]) {
      expect(await ws.next(inviteFrame(cancelled, 'cancelled'))).toMatchObject({ reason: 'sender' })
    }
    // Nobody hears of an invite that is not theirs.
    expect(annWs.frames.some(inviteFrame(cancelled, 'pending'))).toBe(false)
  })

  it('tells a renamed person’s own sockets, contacts and conversation members, and no one else', async () => {
    const [ann, bob, cem, dan] = [
      await signUp(t.url),
      await signUp(t.url),
      await signUp(t.url),
      await signUp(t.url),
    ]
    const room = await invite(ann, bob)
    expect((await c.post('/acac/accept-invite/', { invite_id: room, accept: true }, bob.access)).status).toBe(
      200,
    )
    const group = await c.post(
      '/api/chat/conversations/',
      { type: 'group', name: 'book club', participant_ids: [cem.id] },
      ann.access,
    )
    expect(group.status).toBe(201)
    const [annWs, bobWs, cemWs, danWs] = await Promise.all([ann, bob, cem, dan].map(socketOf))

    const names = { first_name: 'Annika', last_name: 'Berg', display_name: 'Nika' }
    expect((await c.patch('/profiles/profile/', names, ann.access)).status).toBe(200)
    const renamed = (f: Frame) => f.type === 'user_updated' && f.user_id === ann.id
    for (const ws of [annWs, bobWs, cemWs]) {
      await ws.next((f) => renamed(f) && f.display_name === 'Nika')
      await ws.next((f) => renamed(f) && f.name === 'Annika Berg' && f.first_name === 'Annika')
    }

    // The new name is what every view then reads: participants, a message's sender_name.
    const sent = await c.post(
      `/api/chat/conversations/${group.body.id}/messages/`,
      { content: 'hi', client_id: 'rename-1' },
      ann.access,
    )
    expect(sent.body.sender_name).toBe('Annika Berg')
    expect(danWs.frames.some(renamed)).toBe(false)
  })

  it('tells only the blocker of a block; the blocked person sees the contact removed', async () => {
    const [ann, bob] = [await signUp(t.url), await signUp(t.url)]
    const room = await invite(ann, bob)
    expect((await c.post('/acac/accept-invite/', { invite_id: room, accept: true }, bob.access)).status).toBe(
      200,
    )
    const [annWs, bobWs] = [await socketOf(ann), await socketOf(bob)]
    expect((await c.post(`/acac/blocks/${bob.person_id}/`, {}, ann.access)).status).toBe(201)
    await annWs.next((f) => f.type === 'contact_updated' && f.change === 'removed' && f.user_id === bob.id)
    await annWs.next((f) => f.type === 'contact_updated' && f.change === 'blocked' && f.user_id === bob.id)
    await bobWs.next((f) => f.type === 'contact_updated' && f.change === 'removed' && f.user_id === ann.id)
    expect((await c.delete(`/acac/blocks/${bob.person_id}/`, ann.access)).status).toBeLessThan(300)
    await annWs.next((f) => f.type === 'contact_updated' && f.change === 'unblocked' && f.user_id === bob.id)
    expect(bobWs.frames.some((f) => f.type === 'contact_updated' && f.change !== 'removed')).toBe(false)
  })

  it('removes a contact live on both sides', async () => {
    const [ann, bob] = [await signUp(t.url), await signUp(t.url)]
    const room = await invite(ann, bob)
    expect((await c.post('/acac/accept-invite/', { invite_id: room, accept: true }, bob.access)).status).toBe(
      200,
    )
    const [annWs, bobWs] = [await socketOf(ann), await socketOf(bob)]
    expect((await c.delete(`/acac/contacts/${bob.person_id}/`, ann.access)).status).toBeLessThan(300)
    await annWs.next((f) => f.type === 'contact_updated' && f.change === 'removed' && f.user_id === bob.id)
    await bobWs.next((f) => f.type === 'contact_updated' && f.change === 'removed' && f.user_id === ann.id)
  })
})
