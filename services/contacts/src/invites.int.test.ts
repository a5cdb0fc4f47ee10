import { newId } from '@parley/platform'
import { api, type SignedUpUser, type TestServer } from '@parley/platform/testing'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { newPerson, newTenantSlug, outboxEvents, type Row, startContactsServer } from './testing'

describe('contacts invites: the state machine, IDORs and races', () => {
  let t: TestServer
  let c: ReturnType<typeof api>

  beforeAll(async () => {
    t = await startContactsServer()
    c = api(t.url)
  })
  afterAll(() => t?.close())

  const invite = (from: SignedUpUser, to: SignedUpUser) =>
    c.post('/acac/send-invite/', { person_id: to.person_id }, from.access)
  const answer = (who: SignedUpUser, inviteId: string, accept: boolean) =>
    c.post('/acac/accept-invite/', { invite_id: inviteId, accept }, who.access)
  const contactsOf = async (who: SignedUpUser) => (await c.get('/acac/contacts/', who.access)).body
  const pendingBetween = async (a: SignedUpUser, b: SignedUpUser) =>
    (
      await sql<{ n: number }>`select count(*)::int as n from contacts.invites where status = 'pending'
        and ((sender_id = ${a.id} and recipient_id = ${b.id}) or (sender_id = ${b.id} and recipient_id = ${a.id}))`.execute(
        t.platform.db,
      )
    ).rows[0].n

  it('sends an invite that the recipient sees with sender metadata and the sender sees as pending', async () => {
    const [ann, bob] = [await newPerson(t), await newPerson(t)]
    const res = await invite(ann, bob)
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({
      status: 'pending',
      room_id: null,
      responded_at: null,
      sender: { user_id: ann.id, person_id: ann.person_id, username: ann.username, avatar_url: null },
      recipient: { user_id: bob.id, person_id: bob.person_id, username: bob.username },
    })
    const received = (await c.get('/acac/received-invite/', bob.access)).body
    expect(received).toMatchObject({ count: 1, next: null, previous: null })
    expect(received.results[0]).toMatchObject({
      id: res.body.id,
      sender: { person_id: ann.person_id, username: ann.username },
    })
    const sent = (await c.get('/acac/sent-invites/', ann.access)).body
    expect(sent.results.map((i: Row) => i.id)).toEqual([res.body.id])
    expect((await c.get('/acac/received-invite/', ann.access)).body.count).toBe(0)
    expect((await c.post('/acac/search/', { person_id: bob.person_id }, ann.access)).body).toMatchObject({
      relationship: 'invite_sent',
      is_invited: true,
      invite_id: res.body.id,
    })
    expect((await c.post('/acac/search/', { person_id: ann.person_id }, bob.access)).body.relationship).toBe(
      'invite_received',
    )
  })

  it('refuses an invite to yourself, a second pending one, and an unknown person', async () => {
    const [ann, bob] = [await newPerson(t), await newPerson(t)]
    const self = await invite(ann, ann)
    expect(self.status).toBe(400)
    expect(self.body.type).toBe('/problems/cannot-invite-self')
    expect(self.body.errors).toHaveProperty('person_id')
    expect((await invite(ann, bob)).status).toBe(201)
    const again = await invite(ann, bob)
    expect(again.status).toBe(409)
    expect(again.body.type).toBe('/problems/invite-already-pending')
    expect((await c.post('/acac/send-invite/', { person_id: '100000' }, ann.access)).status).toBe(404)
    expect((await c.post('/acac/send-invite/', { person_id: 'abc' }, ann.access)).status).toBe(400)
    expect((await c.post('/acac/send-invite/', { person_id: bob.person_id })).status).toBe(401)
  })

  it('accepting creates one contact with the same room_id for both and publishes contact.accepted', async () => {
    const [ann, bob] = [await newPerson(t), await newPerson(t)]
    const sent = (await invite(ann, bob)).body
    const res = await answer(bob, sent.id, true)
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({
      id: sent.id,
      status: 'accepted',
      room_id: expect.any(String),
      responded_at: expect.any(String),
    })
    const roomId = res.body.room_id
    expect(roomId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/)

    const forAnn = await contactsOf(ann)
    const forBob = await contactsOf(bob)
    expect(forAnn.results).toHaveLength(1)
    expect(forAnn.results[0]).toMatchObject({
      room_id: roomId,
      contact: { person_id: bob.person_id },
      presence: { status: 'offline' },
    })
    expect(forBob.results[0]).toMatchObject({ room_id: roomId, contact: { person_id: ann.person_id } })
    expect((await c.get('/acac/sent-invites/', ann.access)).body.count).toBe(0)
    expect((await c.get('/acac/received-invite/', bob.access)).body.count).toBe(0)

    const events = (await outboxEvents(t, 'contact.accepted')).filter((e) => e.payload.room_id === roomId)
    expect(events).toHaveLength(1)
    expect(events[0].payload).toEqual({
      room_id: roomId,
      invite_id: sent.id,
      users: [
        { user_id: ann.id, person_id: ann.person_id, username: ann.username },
        { user_id: bob.id, person_id: bob.person_id, username: bob.username },
      ],
    })

    // A retried accept answers the same; the opposite answer is too late.
    expect((await answer(bob, sent.id, true)).body).toMatchObject({ status: 'accepted', room_id: roomId })
    const late = await answer(bob, sent.id, false)
    expect(late.status).toBe(409)
    expect(late.body.type).toBe('/problems/invite-not-pending')
    const existing = await invite(bob, ann)
    expect(existing.status).toBe(409)
    expect(existing.body.type).toBe('/problems/already-contacts')
    expect(
      (await outboxEvents(t, 'contact.accepted')).filter((e) => e.payload.room_id === roomId),
    ).toHaveLength(1)
  })

  it('inviting someone who already invited you accepts their invite', async () => {
    const [ann, bob] = [await newPerson(t), await newPerson(t)]
    const first = (await invite(ann, bob)).body
    const second = await invite(bob, ann)
    expect(second.status).toBe(200)
    expect(second.body).toMatchObject({ id: first.id, status: 'accepted', sender: { user_id: ann.id } })
    expect((await contactsOf(ann)).results[0].room_id).toBe(second.body.room_id)
    expect((await contactsOf(bob)).results[0].room_id).toBe(second.body.room_id)
  })

  it('rejecting marks the invite rejected; the sender lists and deletes it and may invite again', async () => {
    const [ann, bob] = [await newPerson(t), await newPerson(t)]
    const sent = (await invite(ann, bob)).body
    const res = await answer(bob, sent.id, false)
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ status: 'rejected', room_id: null })
    expect((await contactsOf(ann)).count).toBe(0)
    expect((await c.get('/acac/received-invite/', bob.access)).body.count).toBe(0)
    const rejected = (await c.get('/acac/rejected-invites/', ann.access)).body
    expect(rejected.results.map((i: Row) => [i.id, i.status])).toEqual([[sent.id, 'rejected']])
    expect((await c.get('/acac/rejected-invites/', bob.access)).body.count).toBe(0)
    expect((await answer(bob, sent.id, true)).body.type).toBe('/problems/invite-not-pending')

    expect((await c.post('/acac/rejected-invite-delete/', { invite_id: sent.id }, bob.access)).status).toBe(
      404,
    )
    expect((await c.post('/acac/rejected-invite-delete/', { invite_id: sent.id }, ann.access)).status).toBe(
      204,
    )
    expect((await c.get('/acac/rejected-invites/', ann.access)).body.count).toBe(0)
    const gone = await c.post('/acac/rejected-invite-delete/', { invite_id: sent.id }, ann.access)
    expect(gone.status).toBe(404)
    expect(gone.body.type).toBe('/problems/invite-not-found')
    expect((await invite(ann, bob)).status).toBe(201)
  })

  it('cancelling removes a pending invite; a cancelled invite can no longer be answered', async () => {
    const [ann, bob] = [await newPerson(t), await newPerson(t)]
    const sent = (await invite(ann, bob)).body
    expect((await c.delete(`/acac/sent-invites/${sent.id}/`, ann.access)).status).toBe(204)
    expect((await c.get('/acac/sent-invites/', ann.access)).body.count).toBe(0)
    expect((await c.get('/acac/received-invite/', bob.access)).body.count).toBe(0)
    expect((await c.delete(`/acac/sent-invites/${sent.id}/`, ann.access)).status).toBe(404)
    expect((await answer(bob, sent.id, true)).body.type).toBe('/problems/invite-not-pending')
    expect((await contactsOf(bob)).count).toBe(0)

    const answered = (await invite(ann, bob)).body
    await answer(bob, answered.id, false)
    const cannot = await c.delete(`/acac/sent-invites/${answered.id}/`, ann.access)
    expect(cannot.status).toBe(409)
    expect(cannot.body.type).toBe('/problems/invite-not-pending')
  })

  it('answers 404 to anyone touching an invite that is not theirs (IDOR)', async () => {
    const [ann, bob, eve] = [await newPerson(t), await newPerson(t), await newPerson(t)]
    const outsider = await newPerson(t, { tenant: newTenantSlug() })
    const sent = (await invite(ann, bob)).body

    for (const who of [ann, eve, outsider]) {
      const res = await answer(who, sent.id, true)
      expect(res.status, who.username).toBe(404)
      expect(res.body.type).toBe('/problems/invite-not-found')
      expect((await answer(who, sent.id, false)).status).toBe(404)
    }
    for (const who of [bob, eve, outsider]) {
      expect((await c.delete(`/acac/sent-invites/${sent.id}/`, who.access)).status).toBe(404)
    }
    expect((await c.get('/acac/received-invite/', eve.access)).body.count).toBe(0)
    expect((await c.get('/acac/sent-invites/', bob.access)).body.count).toBe(0)
    expect((await answer(bob, newId(), true)).status).toBe(404)
    // Nothing changed for the two of them.
    expect((await c.get('/acac/received-invite/', bob.access)).body.results[0]).toMatchObject({
      id: sent.id,
      status: 'pending',
    })

    await answer(bob, sent.id, false)
    for (const who of [bob, eve, outsider]) {
      expect((await c.post('/acac/rejected-invite-delete/', { invite_id: sent.id }, who.access)).status).toBe(
        404,
      )
    }
    expect((await c.get('/acac/rejected-invites/', ann.access)).body.count).toBe(1)
  })

  it('rejects malformed bodies and ids with 400 problems', async () => {
    const ann = await newPerson(t)
    for (const body of [
      { invite_id: 'nope', accept: true },
      { invite_id: newId() },
      { invite_id: newId(), accept: 'yes' },
      { invite_id: newId(), accept: true, x: 1 },
    ]) {
      const res = await c.post('/acac/accept-invite/', body, ann.access)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.type).toBe('/problems/validation-error')
    }
    expect((await c.delete('/acac/sent-invites/not-a-uuid/', ann.access)).status).toBe(400)
    expect((await c.post('/acac/rejected-invite-delete/', {}, ann.access)).status).toBe(400)
    expect((await c.get('/acac/sent-invites/?ordering=password', ann.access)).status).toBe(400)
    expect((await c.get('/acac/sent-invites/?page_size=101', ann.access)).status).toBe(400)
  })

  it('pages, searches and orders invite lists', async () => {
    const bob = await newPerson(t)
    const senders = [await newPerson(t), await newPerson(t), await newPerson(t)]
    const ids: string[] = []
    for (const s of senders) ids.push((await invite(s, bob)).body.id)

    const page1 = (await c.get('/acac/received-invite/?page_size=2', bob.access)).body
    expect(page1.count).toBe(3)
    expect(page1.results.map((i: Row) => i.id)).toEqual([ids[2], ids[1]])
    expect(page1.next).toBe('/acac/received-invite/?page_size=2&page=2')
    const page2 = (await c.get(page1.next, bob.access)).body
    expect(page2.results.map((i: Row) => i.id)).toEqual([ids[0]])
    expect(page2.previous).toContain('page=1')

    const oldest = (await c.get('/acac/received-invite/?ordering=created_at', bob.access)).body
    expect(oldest.results.map((i: Row) => i.id)).toEqual(ids)
    const byName = (await c.get('/acac/received-invite/?ordering=-username', bob.access)).body
    expect(byName.results.map((i: Row) => i.sender.username)).toEqual(
      senders
        .map((s) => s.username)
        .sort()
        .reverse(),
    )

    const found = (
      await c.get(`/acac/received-invite/?search=${senders[1].username.toUpperCase()}`, bob.access)
    ).body
    expect(found.results.map((i: Row) => i.id)).toEqual([ids[1]])
    const byPid = (await c.get(`/acac/received-invite/?search=${senders[2].person_id}`, bob.access)).body
    expect(byPid.results.map((i: Row) => i.id)).toEqual([ids[2]])
    expect((await c.get('/acac/received-invite/?search=%25', bob.access)).body.count).toBe(0)
  })

  it('ends concurrent mutual invites as one contact with one room_id, round after round', async () => {
    const [ann, bob] = [await newPerson(t), await newPerson(t)]
    const rooms = new Set<string>()
    for (let round = 0; round < 5; round++) {
      const [fromAnn, fromBob] = await Promise.all([invite(ann, bob), invite(bob, ann)])
      expect([fromAnn.status, fromBob.status].sort(), `round ${round}`).toEqual([200, 201])
      const accepted = [fromAnn, fromBob].find((r) => r.status === 200)!.body
      expect(accepted.status).toBe('accepted')

      const forAnn = await contactsOf(ann)
      const forBob = await contactsOf(bob)
      expect(forAnn.count).toBe(1)
      expect(forBob.count).toBe(1)
      expect(forAnn.results[0].room_id).toBe(accepted.room_id)
      expect(forBob.results[0].room_id).toBe(accepted.room_id)
      expect(await pendingBetween(ann, bob)).toBe(0)
      rooms.add(accepted.room_id)
      expect((await c.delete(`/acac/contacts/${bob.person_id}/`, ann.access)).status).toBe(204)
    }
    expect(rooms.size).toBe(5)
    const accepted = (await outboxEvents(t, 'contact.accepted')).filter((e) =>
      rooms.has(e.payload.room_id ?? ''),
    )
    expect(accepted).toHaveLength(5)
  })

  it('keeps one invite when the same person sends twice at once, and one contact when accept and invite race', async () => {
    const [ann, bob] = [await newPerson(t), await newPerson(t)]
    const twice = await Promise.all([invite(ann, bob), invite(ann, bob), invite(ann, bob)])
    expect(twice.map((r) => r.status).sort()).toEqual([201, 409, 409])
    expect(await pendingBetween(ann, bob)).toBe(1)

    const inviteId = twice.find((r) => r.status === 201)!.body.id
    const [accepting, inviting] = await Promise.all([answer(bob, inviteId, true), invite(bob, ann)])
    const statuses = [accepting.status, inviting.status]
    // Whichever ran first accepted the invite; the other saw it done (same answer) or the contact.
    expect(statuses).toContain(200)
    const roomIds = new Set([accepting, inviting].filter((r) => r.status === 200).map((r) => r.body.room_id))
    expect(roomIds.size).toBe(1)
    expect((await contactsOf(ann)).results.map((x: Row) => x.room_id)).toEqual([...roomIds])
    expect((await contactsOf(bob)).count).toBe(1)
  })

  it('publishes every invite state change with both people: sent, accepted, rejected, cancelled (by the sender or a block)', async () => {
    const [ann, bob, cid, dee] = [
      await newPerson(t),
      await newPerson(t),
      await newPerson(t),
      await newPerson(t),
    ]
    const toBob = (await invite(ann, bob)).body.id
    await answer(bob, toBob, true)
    const toCid = (await invite(ann, cid)).body.id
    await answer(cid, toCid, false)
    const toDee = (await invite(ann, dee)).body.id
    expect((await c.delete(`/acac/sent-invites/${toDee}/`, ann.access)).status).toBe(204)
    const again = (await invite(dee, ann)).body.id
    expect((await c.post(`/acac/blocks/${dee.person_id}/`, {}, ann.access)).status).toBe(201)

    const mine = new Set([toBob, toCid, toDee, again])
    const events = (await outboxEvents(t)).filter(
      (e) => e.type.startsWith('invite.') && mine.has(e.payload.invite_id as string),
    )
    expect(events.map((e) => [e.type, e.payload.invite_id, e.payload.reason])).toEqual([
      ['invite.sent', toBob, undefined],
      ['invite.accepted', toBob, undefined],
      ['invite.sent', toCid, undefined],
      ['invite.rejected', toCid, undefined],
      ['invite.sent', toDee, undefined],
      ['invite.cancelled', toDee, 'sender'],
      ['invite.sent', again, undefined],
      ['invite.cancelled', again, 'blocked'],
    ])
    const accepted = events[1].payload
    expect(accepted).toMatchObject({
      status: 'accepted',
      user_ids: [ann.id, bob.id],
      sender: { user_id: ann.id, person_id: ann.person_id, username: ann.username },
      recipient: { user_id: bob.id, person_id: bob.person_id, username: bob.username },
    })
    expect(accepted.room_id).toEqual(expect.any(String))
    expect(events[7].payload).toMatchObject({
      user_ids: [dee.id, ann.id],
      sender: { user_id: dee.id },
      recipient: { user_id: ann.id },
    })
  })
})
