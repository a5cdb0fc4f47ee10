import { newId } from '@parley/platform'
import { api, type SignedUpUser, type TestServer } from '@parley/platform/testing'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { newPerson, startContactsServer } from './testing'

/**
 * Presence in the contact list comes from chat's `user.presence_changed` events. Here the test
 * stands in for chat: it writes the events into an outbox with the ids and times it needs, and
 * the real relay delivers them to the `contacts.presence` consumer.
 */
describe('contacts: presence from user.presence_changed', () => {
  let t: TestServer
  let c: ReturnType<typeof api>
  /** Event times relative to ten minutes ago, fixed for the whole file. */
  const base = Date.now() - 10 * 60_000
  const at = (offsetMs: number) => new Date(base + offsetMs)

  beforeAll(async () => {
    t = await startContactsServer()
    c = api(t.url)
  })
  afterAll(() => t?.close())

  async function connect(a: SignedUpUser, b: SignedUpUser) {
    const sent = await c.post('/acac/send-invite/', { person_id: b.person_id }, a.access)
    expect(
      (await c.post('/acac/accept-invite/', { invite_id: sent.body.id, accept: true }, b.access)).status,
    ).toBe(200)
  }

  /** Relays one presence event (as chat would publish it) and waits until it was handled. */
  async function chatSays(
    fields: { userId: string; tenantId: string; status: string; lastSeen: Date | null; occurredAt: Date },
    id: string = newId(),
  ): Promise<string> {
    const payload = {
      user_id: fields.userId,
      status: fields.status,
      last_seen: fields.lastSeen?.toISOString() ?? null,
    }
    await sql`insert into contacts.outbox (id, type, tenant_id, payload, occurred_at) values
      (${id}, 'user.presence_changed', ${fields.tenantId}, ${JSON.stringify(payload)}::jsonb, ${fields.occurredAt.toISOString()})`.execute(
      t.platform.db,
    )
    await t.platform.bus.drain()
    return id
  }

  const presenceOf = async (viewer: SignedUpUser, other: SignedUpUser) => {
    const list = await c.get('/acac/contacts/', viewer.access)
    return list.body.results.find((r: { contact: { user_id: string } }) => r.contact.user_id === other.id)
      .presence
  }

  it('shows the latest presence, and a redelivered or stale event changes nothing', async () => {
    const [ann, bob] = [await newPerson(t), await newPerson(t)]
    await connect(ann, bob)
    expect(await presenceOf(ann, bob)).toEqual({ status: 'offline', last_seen: null })

    const asBob = { userId: bob.id, tenantId: bob.tenant_id }
    const online = await chatSays({ ...asBob, status: 'online', lastSeen: at(0), occurredAt: at(0) })
    expect(await presenceOf(ann, bob)).toEqual({ status: 'online', last_seen: at(0).toISOString() })
    await chatSays({ ...asBob, status: 'busy', lastSeen: at(0), occurredAt: at(2_000) })
    const busy = { status: 'busy', last_seen: at(0).toISOString() }
    expect(await presenceOf(ann, bob)).toEqual(busy)

    // The relay redelivers the older `online` event (as after a crash before marking it published).
    await sql`update contacts.outbox set published_at = null where id = ${online}`.execute(t.platform.db)
    await t.platform.bus.drain()
    expect(await presenceOf(ann, bob)).toEqual(busy)
    // A different event that happened before the applied one arrives late.
    await chatSays({ ...asBob, status: 'offline', lastSeen: at(1_000), occurredAt: at(1_000) })
    expect(await presenceOf(ann, bob)).toEqual(busy)
    // A newer one applies.
    await chatSays({ ...asBob, status: 'offline', lastSeen: at(3_000), occurredAt: at(3_000) })
    expect(await presenceOf(ann, bob)).toEqual({ status: 'offline', last_seen: at(3_000).toISOString() })
    // Ann's own presence was never touched.
    expect(await presenceOf(bob, ann)).toEqual({ status: 'offline', last_seen: null })
  })

  it('creates no identity for an unknown user, ignores another tenant and malformed payloads, and keeps going', async () => {
    const [ann, bob] = [await newPerson(t), await newPerson(t)]
    await connect(ann, bob)
    const stranger = newId()
    await chatSays({
      userId: stranger,
      tenantId: bob.tenant_id,
      status: 'online',
      lastSeen: at(0),
      occurredAt: at(0),
    })
    const { rows } = await sql<{
      n: number
    }>`select count(*)::int as n from contacts.identities where user_id = ${stranger}`.execute(t.platform.db)
    expect(rows[0].n).toBe(0)

    await chatSays({
      userId: bob.id,
      tenantId: 'some-other-tenant',
      status: 'online',
      lastSeen: at(0),
      occurredAt: at(0),
    })
    await chatSays({
      userId: bob.id,
      tenantId: bob.tenant_id,
      status: 'asleep',
      lastSeen: at(0),
      occurredAt: at(0),
    })
    expect(await presenceOf(ann, bob)).toEqual({ status: 'offline', last_seen: null })
    expect(t.logs.text()).toContain('ignored malformed presence event')

    await chatSays({
      userId: bob.id,
      tenantId: bob.tenant_id,
      status: 'away',
      lastSeen: at(0),
      occurredAt: at(0),
    })
    expect(await presenceOf(ann, bob)).toEqual({ status: 'away', last_seen: at(0).toISOString() })
  })

  it('applies a run of events relayed together: the newest per user wins, a malformed one is skipped', async () => {
    const [ann, bob, cat] = [await newPerson(t), await newPerson(t), await newPerson(t)]
    await connect(ann, bob)
    await connect(ann, cat)
    const event = (u: SignedUpUser, status: string, ms: number) => ({
      id: newId(),
      tenant: u.tenant_id,
      payload: JSON.stringify({ user_id: u.id, status, last_seen: at(ms).toISOString() }),
      at: at(ms).toISOString(),
    })
    // Written in one statement, so the relay hands them to the consumer as one run (one transaction).
    const run = [
      event(bob, 'online', 10_000),
      event(cat, 'online', 10_000),
      event(bob, 'away', 12_000),
      event(cat, 'asleep', 13_000),
      event(bob, 'busy', 11_000),
      event(cat, 'away', 12_000),
    ]
    await sql`insert into contacts.outbox (id, type, tenant_id, payload, occurred_at)
      select k.id, 'user.presence_changed', k.tenant, k.payload, k.at
      from unnest(${run.map((e) => e.id)}::uuid[], ${run.map((e) => e.tenant)}::text[], ${run.map((e) => e.payload)}::jsonb[],
        ${run.map((e) => e.at)}::timestamptz[]) with ordinality as k(id, tenant, payload, at, i) order by k.i`.execute(
      t.platform.db,
    )
    await t.platform.bus.drain()
    // Bob: away (12 s) beats busy (11 s), which came later in the run but happened earlier.
    expect(await presenceOf(ann, bob)).toEqual({ status: 'away', last_seen: at(12_000).toISOString() })
    // Cat: the malformed 'asleep' is dropped, 'away' applies.
    expect(await presenceOf(ann, cat)).toEqual({ status: 'away', last_seen: at(12_000).toISOString() })
    const inbox = await sql<{
      n: number
    }>`select count(*)::int as n from contacts.inbox where event_id = any(${run.map((e) => e.id)}::uuid[])`.execute(
      t.platform.db,
    )
    expect(inbox.rows[0].n).toBe(run.length)
  })
})
