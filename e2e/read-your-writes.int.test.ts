import { authService } from '@parley/auth'
import { chatService } from '@parley/chat'
import { contactsService } from '@parley/contacts'
import { api, type SignedUpUser, signUp, startTestServer, type TestServer } from '@parley/platform/testing'
import { profileService } from '@parley/profile'
import { sql } from 'kysely'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { chainToFirstMessage, registerThenAtOnce, rounds, type ServiceUrls } from './read-your-writes'
import { Client } from './ws-client'

/**
 * Read-your-writes (issue 15, ADR 0012) with auth, profile and contacts in one process: embedded
 * (PGlite, in-process relay), or one distributed node when DATABASE_URL and REDIS_URL are set.
 * No test here waits for the bus: each request is made the moment the previous one answered.
 */
describe('read-your-writes across services in one process', () => {
  let t: TestServer
  let urls: ServiceUrls & { chat: string }
  let c: ReturnType<typeof api>

  beforeAll(async () => {
    t = await startTestServer([authService, profileService, contactsService, chatService])
    urls = { auth: t.url, profile: t.url, contacts: t.url, chat: t.url }
    c = api(t.url)
  })
  afterAll(() => t?.close())

  it('invites, blocks, finds and shows a person the moment register answered (60 rounds, 8 at once)', async () => {
    const [inviter, blocker, searcher] = [await signUp(t.url), await signUp(t.url), await signUp(t.url)]
    const others = { inviter: inviter.access, blocker: blocker.access, searcher: searcher.access }
    const failures = await rounds(60, 8, () => registerThenAtOnce(urls, others))
    expect(failures).toEqual([])
  })

  it('register → invite → accept → direct conversation → first message, each at once (40 rounds, 8 at once)', async () => {
    const failures = await rounds(40, 8, (i) => chainToFirstMessage(urls, i))
    expect(failures).toEqual([])
  })

  it('chat finds a just-accepted contact and a just-registered person even when the writes did not wait for it', async () => {
    // @NOTE A write that waited past its bound (ADR 0012) answers before the events are handled:
    // here no write waits at all, so only chat's own catch-up on a miss keeps the chain whole.
    const bus = t.platform.bus
    const settle = bus.settle.bind(bus)
    bus.settle = <T>(work: () => Promise<T>) => work()
    try {
      const failures = await rounds(30, 4, (i) => chainToFirstMessage(urls, 1000 + i))
      const owner = await signUp(t.url)
      const groups = await rounds(20, 4, async () => {
        const newcomer = await signUp(t.url)
        const res = await c.post(
          '/api/chat/conversations/',
          { type: 'group', name: 'at once', participant_ids: [newcomer.id] },
          owner.access,
        )
        return res.status === 201 ? [] : [`group ${res.status} ${res.body?.type ?? ''}`]
      })
      // The socket path too: a socket open before the invite sends in the new direct conversation
      // the moment accept answered, before its node's membership cache heard of it.
      const sockets = await rounds(10, 2, async (i) => {
        const [ann, bob] = [await signUp(t.url), await signUp(t.url)]
        const ws = await Client.connect(t.url.replace(/^http/, 'ws'), ann.access)
        try {
          const invite = await c.post('/acac/send-invite/', { person_id: bob.person_id }, ann.access)
          const accepted = await c.post(
            '/acac/accept-invite/',
            { invite_id: invite.body.id, accept: true },
            bob.access,
          )
          ws.send({
            type: 'send_message',
            conversation_id: accepted.body.room_id,
            content: 'hi',
            client_id: `ws-${i}`,
          })
          const answer = await ws.next(
            (f) => (f.type === 'message_ack' && f.client_id === `ws-${i}`) || f.type === 'error',
          )
          return answer.type === 'message_ack' ? [] : [`socket send ${answer.code}`]
        } finally {
          ws.close()
        }
      })
      expect([...failures, ...groups, ...sockets]).toEqual([])
    } finally {
      bus.settle = settle
    }
  })

  it('shows a rename at once in /api/auth/me/, /acac/profile/, the contact’s list and person search', async () => {
    const [ann, bob] = [await signUp(t.url), await signUp(t.url)]
    await connect(ann, bob)
    for (let i = 1; i <= 5; i++) {
      const names = { first_name: `Annika${i}`, last_name: `Berg${i}`, display_name: `Nika ${i}` }
      expect((await c.patch('/profiles/profile/', names, ann.access)).status).toBe(200)
      const [me, chatMe, bobsContacts, found] = await Promise.all([
        c.get('/api/auth/me/', ann.access),
        c.get('/acac/profile/', ann.access),
        c.get('/acac/contacts/', bob.access),
        c.post('/acac/search/', { person_id: ann.person_id }, bob.access),
      ])
      expect(me.body).toMatchObject({ first_name: names.first_name, last_name: names.last_name })
      expect(chatMe.body).toMatchObject(names)
      expect(bobsContacts.body.results[0].contact).toMatchObject({ user_id: ann.id, ...names })
      expect(found.body).toMatchObject({ user_id: ann.id, ...names })
    }
    // A later account snapshot (here: an avatar removal publishes user.updated) keeps the chosen names.
    expect((await c.delete('/api/auth/remove-avatar/', ann.access)).status).toBeLessThan(300)
    expect((await c.get('/acac/profile/', ann.access)).body).toMatchObject({
      first_name: 'Annika5',
      display_name: 'Nika 5',
    })
  })

  it('shows a new avatar to a contact at once', async () => {
    const [ann, bob] = [await signUp(t.url), await signUp(t.url)]
    await connect(ann, bob)
    const png = await sharp({
      create: { width: 64, height: 64, channels: 3, background: { r: 10, g: 120, b: 200 } },
    })
      .png()
      .toBuffer()
    for (let i = 0; i < 3; i++) {
      const form = new FormData()
      form.append('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'a.png')
      const res = await fetch(`${t.url}/api/auth/upload-avatar/`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ann.access}` },
        body: form,
      })
      expect(res.status).toBe(200)
      const avatarUrl = ((await res.json()) as { avatar_url: string }).avatar_url
      const [bobsContacts, found] = await Promise.all([
        c.get('/acac/contacts/', bob.access),
        c.post('/acac/search/', { person_id: ann.person_id }, bob.access),
      ])
      expect(bobsContacts.body.results[0].contact.avatar_url).toBe(avatarUrl)
      expect(found.body.avatar_url).toBe(avatarUrl)
    }
  })

  it('reports the projection lag per consumer on /metrics', async () => {
    const ann = await signUp(t.url)
    expect((await c.patch('/profiles/profile/', { display_name: 'Metered' }, ann.access)).status).toBe(200)
    const text = await (await fetch(`${t.url}/metrics`)).text()
    for (const consumer of ['contacts.identities', 'profile.users', 'auth.profile-names']) {
      expect(text).toMatch(
        new RegExp(
          `parley_event_projection_lag_seconds_count\\{consumer="${consumer.replace('.', '\\.')}"\\} [1-9]`,
        ),
      )
    }
  })

  it('publishes profile.updated only when a shown field changed', async () => {
    const ann = await signUp(t.url)
    const count = async () =>
      (
        await sql<{ n: number }>`select count(*)::int as n from profile.outbox
          where type = 'profile.updated' and payload->>'user_id' = ${ann.id}`.execute(t.platform.db)
      ).rows[0].n
    await c.patch('/profiles/profile/', { primary_phone: '+14155550100' }, ann.access)
    expect(await count()).toBe(0)
    await c.patch('/profiles/profile/', { status_message: 'Away till Monday' }, ann.access)
    expect(await count()).toBe(1)
    await c.patch('/profiles/profile/', { status_message: 'Away till Monday' }, ann.access)
    expect(await count()).toBe(1)
  })

  it('takes an accepted invite off the sender’s sent list and onto both contact lists at once', async () => {
    const [ann, bob] = [await signUp(t.url), await signUp(t.url)]
    const roomId = await connect(ann, bob)
    const [sent, annsContacts, bobsContacts] = await Promise.all([
      c.get('/acac/sent-invites/', ann.access),
      c.get('/acac/contacts/', ann.access),
      c.get('/acac/contacts/', bob.access),
    ])
    expect(sent.body.count).toBe(0)
    expect(annsContacts.body.results.map((r: { room_id: string }) => r.room_id)).toEqual([roomId])
    expect(bobsContacts.body.results.map((r: { room_id: string }) => r.room_id)).toEqual([roomId])
  })

  async function connect(a: SignedUpUser, b: SignedUpUser): Promise<string> {
    const invite = await c.post('/acac/send-invite/', { person_id: b.person_id }, a.access)
    expect(invite.status).toBe(201)
    const accepted = await c.post(
      '/acac/accept-invite/',
      { invite_id: invite.body.id, accept: true },
      b.access,
    )
    expect(accepted.status).toBe(200)
    return accepted.body.room_id as string
  }
})
