import { type DomainEvent, newId } from '@parley/platform'
import { api, type SignedUpUser, type TestServer } from '@parley/platform/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type EventPayload, newPerson, type Row, startContactsServer } from './testing'

describe('contacts: contacts, removal, blocks, room access and their events', () => {
  let t: TestServer
  let c: ReturnType<typeof api>
  /** Every event this service published, as a consumer on the bus received it. */
  const received: DomainEvent<EventPayload>[] = []

  beforeAll(async () => {
    t = await startContactsServer()
    c = api(t.url)
    t.platform.bus.subscribe({
      name: 'test.recorder',
      schema: 'contacts',
      types: ['contact.accepted', 'contact.removed', 'user.blocked', 'user.unblocked'],
      async handle(event) {
        received.push(event)
      },
    })
  })
  afterAll(() => t?.close())

  async function eventsAbout(roomOrUser: string, type?: string) {
    await t.platform.bus.drain()
    return received.filter(
      (e) => (!type || e.type === type) && JSON.stringify(e.payload).includes(roomOrUser),
    )
  }

  /** Two people who just became contacts; answers their room id. */
  async function connect(a: SignedUpUser, b: SignedUpUser): Promise<string> {
    const sent = await c.post('/acac/send-invite/', { person_id: b.person_id }, a.access)
    const accepted = await c.post('/acac/accept-invite/', { invite_id: sent.body.id, accept: true }, b.access)
    expect(accepted.status).toBe(200)
    return accepted.body.room_id
  }
  const contactsOf = async (who: SignedUpUser, query = '') =>
    (await c.get(`/acac/contacts/${query}`, who.access)).body
  const hasAccess = async (who: SignedUpUser, roomId: string) =>
    (await c.post('/acac/check-room-access/', { room_id: roomId }, who.access)).body.has_access

  it('finds each other by person_id, invites, accepts, and both see one contact with the same room_id', async () => {
    const [ann, bob] = [await newPerson(t), await newPerson(t)]
    await c.patch('/acac/profile/', { bio: 'Cellist', status: 'On tour' }, bob.access)
    expect((await c.post('/acac/search/', { person_id: bob.person_id }, ann.access)).status).toBe(200)
    const roomId = await connect(ann, bob)

    const forAnn = await contactsOf(ann)
    expect(forAnn).toMatchObject({ count: 1, next: null, previous: null })
    expect(forAnn.results[0]).toEqual({
      room_id: roomId,
      created_at: expect.any(String),
      contact: {
        user_id: bob.id,
        person_id: bob.person_id,
        username: bob.username,
        first_name: expect.any(String),
        last_name: expect.any(String),
        display_name: null,
        avatar_url: null,
        bio: 'Cellist',
        status: 'On tour',
      },
      presence: { status: 'offline', last_seen: null },
    })
    expect((await contactsOf(bob)).results[0]).toMatchObject({
      room_id: roomId,
      contact: { user_id: ann.id },
    })
    expect((await c.post('/acac/search/', { person_id: bob.person_id }, ann.access)).body).toMatchObject({
      relationship: 'contact',
      is_contact: true,
      room_id: roomId,
    })

    const [accepted] = await eventsAbout(roomId, 'contact.accepted')
    expect(accepted.tenantId).toBe(ann.tenant_id)
    expect(accepted.payload.users?.map((u) => u.user_id)).toEqual([ann.id, bob.id])
  })

  it('grants room access to the two people of a contact only', async () => {
    const [ann, bob, eve] = [await newPerson(t), await newPerson(t), await newPerson(t)]
    const roomId = await connect(ann, bob)
    expect(await hasAccess(ann, roomId)).toBe(true)
    expect(await hasAccess(bob, roomId)).toBe(true)
    expect(await hasAccess(eve, roomId)).toBe(false)
    expect(await hasAccess(ann, newId())).toBe(false)
    const bad = await c.post('/acac/check-room-access/', { room_id: 'room-1' }, ann.access)
    expect(bad.status).toBe(400)
    expect(bad.body.errors).toHaveProperty('room_id')
    expect((await c.post('/acac/check-room-access/', { room_id: roomId })).status).toBe(401)
  })

  it('removes a contact for both, closes the room and publishes contact.removed', async () => {
    const [ann, bob, eve] = [await newPerson(t), await newPerson(t), await newPerson(t)]
    const roomId = await connect(ann, bob)
    await connect(eve, bob)

    expect((await c.delete(`/acac/contacts/${bob.person_id}/`, ann.access)).status).toBe(204)
    expect((await contactsOf(ann)).count).toBe(0)
    expect((await contactsOf(bob)).results.map((x: Row) => x.contact.user_id)).toEqual([eve.id])
    expect(await hasAccess(ann, roomId)).toBe(false)
    expect(await hasAccess(bob, roomId)).toBe(false)

    const removed = await eventsAbout(roomId, 'contact.removed')
    expect(removed.map((e) => e.payload)).toEqual([{ room_id: roomId, user_ids: [ann.id, bob.id] }])

    const again = await c.delete(`/acac/contacts/${bob.person_id}/`, ann.access)
    expect(again.status).toBe(404)
    expect(again.body.type).toBe('/problems/contact-not-found')
    // Eve cannot end a contact that is not hers, nor her own by naming herself.
    expect((await c.delete(`/acac/contacts/${ann.person_id}/`, eve.access)).status).toBe(404)
    expect((await c.delete(`/acac/contacts/${eve.person_id}/`, eve.access)).status).toBe(404)
    expect((await c.delete('/acac/contacts/12/', ann.access)).status).toBe(400)
    // They may become contacts again, in a new room.
    const newRoom = await connect(bob, ann)
    expect(newRoom).not.toBe(roomId)
  })

  it('pages, searches and orders contacts', async () => {
    const me = await newPerson(t)
    const others = [await newPerson(t), await newPerson(t), await newPerson(t)]
    for (const o of others) await connect(o, me)
    const names = others.map((o) => o.username).sort()

    expect((await contactsOf(me)).results.map((x: Row) => x.contact.username)).toEqual(names)
    expect((await contactsOf(me, '?ordering=-username')).results.map((x: Row) => x.contact.username)).toEqual(
      [...names].reverse(),
    )
    expect((await contactsOf(me, '?ordering=created_at')).results.map((x: Row) => x.contact.user_id)).toEqual(
      others.map((o) => o.id),
    )
    const page = await contactsOf(me, '?page=2&page_size=2')
    expect(page).toMatchObject({ count: 3, next: null, previous: '/acac/contacts/?page=1&page_size=2' })
    expect(page.results.map((x: Row) => x.contact.username)).toEqual([names[2]])
    expect(
      (await contactsOf(me, `?search=${others[1].username.slice(1)}`)).results.map(
        (x: Row) => x.contact.user_id,
      ),
    ).toEqual([others[1].id])
    expect(
      (await contactsOf(me, `?search=${others[0].person_id.slice(0, 6)}`)).results[0].contact.user_id,
    ).toBe(others[0].id)
    expect((await c.get('/acac/contacts/?ordering=email', me.access)).status).toBe(400)
  })

  it('blocking ends the contact, hides the blocker and is published as user.blocked', async () => {
    const [ann, bob] = [await newPerson(t), await newPerson(t)]
    const roomId = await connect(ann, bob)

    const res = await c.post(`/acac/blocks/${bob.person_id}/`, {}, ann.access)
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({
      blocked: { user_id: bob.id, person_id: bob.person_id },
      created_at: expect.any(String),
    })
    expect((await contactsOf(ann)).count).toBe(0)
    expect((await contactsOf(bob)).count).toBe(0)
    expect(await hasAccess(bob, roomId)).toBe(false)
    expect((await eventsAbout(roomId, 'user.blocked')).map((e) => e.payload)).toEqual([
      { blocker_id: ann.id, blocked_id: bob.id, room_id: roomId },
    ])
    expect(await eventsAbout(roomId, 'contact.removed')).toHaveLength(1)

    // Bob can no longer find, invite or block Ann: to him she does not exist.
    for (const attempt of [
      c.post('/acac/search/', { person_id: ann.person_id }, bob.access),
      c.post('/acac/send-invite/', { person_id: ann.person_id }, bob.access),
      c.post(`/acac/blocks/${ann.person_id}/`, {}, bob.access),
    ]) {
      const r = await attempt
      expect(r.status).toBe(404)
      expect(r.body.type).toBe('/problems/person-not-found')
    }
    // Ann still sees Bob, marked as blocked, and must unblock before inviting him.
    expect((await c.post('/acac/search/', { person_id: bob.person_id }, ann.access)).body.relationship).toBe(
      'blocked',
    )
    const refused = await c.post('/acac/send-invite/', { person_id: bob.person_id }, ann.access)
    expect(refused.status).toBe(409)
    expect(refused.body.type).toBe('/problems/person-blocked')

    const again = await c.post(`/acac/blocks/${bob.person_id}/`, {}, ann.access)
    expect(again.status).toBe(200)
    expect(again.body.created_at).toBe(res.body.created_at)
    expect(await eventsAbout(bob.id, 'user.blocked')).toHaveLength(1)
    const list = (await c.get('/acac/blocks/', ann.access)).body
    expect(list).toMatchObject({ count: 1 })
    expect(list.results[0].blocked.user_id).toBe(bob.id)
    expect((await c.get('/acac/blocks/', bob.access)).body.count).toBe(0)
  })

  it('blocking cancels invites pending in either direction and publishes a null room_id', async () => {
    const [ann, bob, eve] = [await newPerson(t), await newPerson(t), await newPerson(t)]
    const fromBob = (await c.post('/acac/send-invite/', { person_id: ann.person_id }, bob.access)).body
    await c.post('/acac/send-invite/', { person_id: eve.person_id }, ann.access)

    expect((await c.post(`/acac/blocks/${bob.person_id}/`, {}, ann.access)).status).toBe(201)
    expect((await c.post(`/acac/blocks/${eve.person_id}/`, {}, ann.access)).status).toBe(201)
    expect((await c.get('/acac/received-invite/', ann.access)).body.count).toBe(0)
    expect((await c.get('/acac/sent-invites/', ann.access)).body.count).toBe(0)
    expect((await c.get('/acac/sent-invites/', bob.access)).body.count).toBe(0)
    expect((await c.get('/acac/received-invite/', eve.access)).body.count).toBe(0)
    const late = await c.post('/acac/accept-invite/', { invite_id: fromBob.id, accept: true }, ann.access)
    expect(late.body.type).toBe('/problems/invite-not-pending')
    expect((await eventsAbout(eve.id, 'user.blocked')).map((e) => e.payload)).toEqual([
      { blocker_id: ann.id, blocked_id: eve.id, room_id: null },
    ])

    const self = await c.post(`/acac/blocks/${ann.person_id}/`, {}, ann.access)
    expect(self.status).toBe(400)
    expect(self.body.type).toBe('/problems/cannot-block-self')
    expect(
      (await c.get('/acac/blocks/?ordering=username', ann.access)).body.results.map(
        (b: Row) => b.blocked.username,
      ),
    ).toEqual([bob.username, eve.username].sort())
    expect((await c.get(`/acac/blocks/?search=${eve.username}`, ann.access)).body.count).toBe(1)
  })

  it('unblocking makes the person reachable again and publishes user.unblocked', async () => {
    const [ann, bob] = [await newPerson(t), await newPerson(t)]
    await connect(ann, bob)
    await c.post(`/acac/blocks/${bob.person_id}/`, {}, ann.access)

    expect((await c.delete(`/acac/blocks/${ann.person_id}/`, bob.access)).status).toBe(404)
    expect((await c.delete(`/acac/blocks/${bob.person_id}/`, ann.access)).status).toBe(204)
    const gone = await c.delete(`/acac/blocks/${bob.person_id}/`, ann.access)
    expect(gone.status).toBe(404)
    expect(gone.body.type).toBe('/problems/block-not-found')
    expect((await eventsAbout(bob.id, 'user.unblocked')).map((e) => e.payload)).toEqual([
      { blocker_id: ann.id, blocked_id: bob.id, room_id: null },
    ])
    expect((await c.get('/acac/blocks/', ann.access)).body.count).toBe(0)
    // The contact is not restored, but Bob can find and invite Ann again.
    expect((await contactsOf(ann)).count).toBe(0)
    expect((await c.post('/acac/search/', { person_id: ann.person_id }, bob.access)).body.relationship).toBe(
      'none',
    )
    expect((await c.post('/acac/send-invite/', { person_id: ann.person_id }, bob.access)).status).toBe(201)
  })

  it('keeps one consistent state when a block races an invite between the same two people', async () => {
    const [ann, bob] = [await newPerson(t), await newPerson(t)]
    for (let round = 0; round < 3; round++) {
      await Promise.all([
        c.post(`/acac/blocks/${bob.person_id}/`, {}, ann.access),
        c.post('/acac/send-invite/', { person_id: ann.person_id }, bob.access),
        c.post('/acac/send-invite/', { person_id: bob.person_id }, ann.access),
      ])
      // Whatever the order, the block wins: no contact and nothing pending between them.
      expect((await contactsOf(ann)).count).toBe(0)
      expect((await c.get('/acac/sent-invites/', bob.access)).body.count).toBe(0)
      expect((await c.get('/acac/received-invite/', ann.access)).body.count).toBe(0)
      expect((await c.delete(`/acac/blocks/${bob.person_id}/`, ann.access)).status).toBe(204)
    }
  })
})
