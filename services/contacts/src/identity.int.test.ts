import {
  deliverOnce,
  type DomainEvent,
  newId,
  newPersonId,
  type Principal,
  transaction,
} from '@parley/platform'
import { api, type SignedUpUser, type TestServer } from '@parley/platform/testing'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { identityConsumer } from './identity/identity.consumer'
import { findIdentityById } from './identity/identity.repository'
import { ensureIdentity } from './identity/identity.service'
import { newPerson, newTenantSlug, startContactsServer } from './testing'

let t: TestServer
beforeAll(async () => {
  t = await startContactsServer()
})
afterAll(() => t?.close())

describe('contacts identity: profile, person_id search, tenants', () => {
  let c: ReturnType<typeof api>
  let ann: SignedUpUser
  let bob: SignedUpUser

  beforeAll(async () => {
    c = api(t.url)
    ann = await newPerson(t)
    bob = await newPerson(t)
  })

  it('answers health without a token and test-auth only with one', async () => {
    expect((await c.get('/acac/health/')).body).toEqual({ status: 'ok', service: 'contacts' })
    const anonymous = await c.get('/acac/test-auth/')
    expect(anonymous.status).toBe(401)
    expect(anonymous.body.type).toBe('/problems/unauthorized')
    const res = await c.get('/acac/test-auth/', ann.access)
    expect(res.body).toEqual({
      authenticated: true,
      user_id: ann.id,
      tenant_id: ann.tenant_id,
      person_id: ann.person_id,
    })
  })

  it('creates the profile on first access with the identity from auth', async () => {
    const res = await c.get('/acac/profile/', ann.access)
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({
      user_id: ann.id,
      person_id: ann.person_id,
      username: ann.username,
      email: ann.email,
      bio: '',
      status: '',
      avatar_url: null,
    })
    expect((await c.get('/acac/profile/', ann.access)).body.created_at).toBe(res.body.created_at)
  })

  it('edits bio and status and keeps the fields auth owns read-only', async () => {
    const res = await c.patch(
      '/acac/profile/',
      { bio: '  Plays the cello.  ', status: 'In a meeting' },
      ann.access,
    )
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({
      bio: 'Plays the cello.',
      status: 'In a meeting',
      username: ann.username,
    })
    expect((await c.get('/acac/profile/', ann.access)).body).toMatchObject({
      bio: 'Plays the cello.',
      status: 'In a meeting',
    })

    const readOnly = await c.patch(
      '/acac/profile/',
      { username: 'someone-else', email: 'x@example.com' },
      ann.access,
    )
    expect(readOnly.status).toBe(400)
    expect(Object.keys(readOnly.body.errors).sort()).toEqual(['email', 'username'])
    const tooLong = await c.patch(
      '/acac/profile/',
      { status: 'x'.repeat(101), bio: 'y'.repeat(501) },
      ann.access,
    )
    expect(tooLong.status).toBe(400)
    expect(Object.keys(tooLong.body.errors).sort()).toEqual(['bio', 'status'])
    const twoLines = await c.patch('/acac/profile/', { status: 'one\ntwo' }, ann.access)
    expect(twoLines.body.errors).toHaveProperty('status')
    expect((await c.patch('/acac/profile/', { bio: 'x' })).status).toBe(401)
    expect((await c.get('/acac/profile/', ann.access)).body.status).toBe('In a meeting')
  })

  it('finds a person of the same tenant by person_id, without their email', async () => {
    const res = await c.post('/acac/search/', { person_id: bob.person_id }, ann.access)
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      user_id: bob.id,
      person_id: bob.person_id,
      username: bob.username,
      first_name: expect.any(String),
      last_name: expect.any(String),
      display_name: null,
      avatar_url: null,
      bio: '',
      relationship: 'none',
      is_contact: false,
      is_invited: false,
      invite_id: null,
      room_id: null,
    })
    expect(res.text).not.toContain(bob.email)
  })

  it('tells the caller that a search hit is themselves', async () => {
    const res = await c.post('/acac/search/', { person_id: ann.person_id }, ann.access)
    expect(res.body).toMatchObject({ user_id: ann.id, relationship: 'self' })
  })

  it('answers 404 for an unknown person_id and 400 for a malformed one', async () => {
    const taken = new Set([ann.person_id, bob.person_id])
    let unknown = newPersonId()
    while (taken.has(unknown)) unknown = newPersonId()
    const missing = await c.post('/acac/search/', { person_id: unknown }, ann.access)
    expect(missing.status).toBe(404)
    expect(missing.body.type).toBe('/problems/person-not-found')
    for (const body of [
      { person_id: '12345' },
      { person_id: '012345' },
      { person_id: 123456 },
      {},
      { person_id: bob.person_id, x: 1 },
    ]) {
      const res = await c.post('/acac/search/', body, ann.access)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.type).toBe('/problems/validation-error')
    }
  })

  it("never finds or invites another tenant's people", async () => {
    const outsider = await newPerson(t, { tenant: newTenantSlug() })
    expect(outsider.tenant_id).not.toBe(ann.tenant_id)
    for (const [from, to] of [
      [ann, outsider],
      [outsider, ann],
    ] as const) {
      const search = await c.post('/acac/search/', { person_id: to.person_id }, from.access)
      expect(search.status).toBe(404)
      expect(search.body.type).toBe('/problems/person-not-found')
      const invite = await c.post('/acac/send-invite/', { person_id: to.person_id }, from.access)
      expect(invite.status).toBe(404)
      expect((await c.post(`/acac/blocks/${to.person_id}/`, {}, from.access)).status).toBe(404)
    }
  })

  it('documents every contacts endpoint in the OpenAPI document', async () => {
    const { paths } = (await c.get('/api/schema/')).body
    const expected: Array<[string, string]> = [
      ['/acac/health/', 'get'],
      ['/acac/test-auth/', 'get'],
      ['/acac/profile/', 'get'],
      ['/acac/profile/', 'patch'],
      ['/acac/search/', 'post'],
      ['/acac/people/', 'get'],
      ['/acac/send-invite/', 'post'],
      ['/acac/received-invite/', 'get'],
      ['/acac/sent-invites/', 'get'],
      ['/acac/sent-invites/{id}/', 'delete'],
      ['/acac/accept-invite/', 'post'],
      ['/acac/rejected-invites/', 'get'],
      ['/acac/rejected-invite-delete/', 'post'],
      ['/acac/contacts/', 'get'],
      ['/acac/contacts/{person_id}/', 'delete'],
      ['/acac/blocks/', 'get'],
      ['/acac/blocks/{person_id}/', 'post'],
      ['/acac/blocks/{person_id}/', 'delete'],
      ['/acac/check-room-access/', 'post'],
    ]
    for (const [path, method] of expected) {
      expect(paths[path]?.[method], `${method} ${path}`).toBeDefined()
      expect(paths[path][method].tags).toEqual(['contacts'])
    }
    const documented = Object.entries(paths)
      .filter(([p]) => p.startsWith('/acac/'))
      .flatMap(([p, ops]) => Object.keys(ops as object).map((m) => `${m} ${p}`))
    expect(documented.sort()).toEqual(expected.map(([p, m]) => `${m} ${p}`).sort())
  })
})

describe('contacts.identities consumer', () => {
  const consumer = () => identityConsumer(t.platform.log)
  const tenantId = newId()

  function userEvent(
    type: string,
    userId: string,
    personId: string,
    fields: Record<string, unknown>,
    occurredAt = new Date(),
  ): DomainEvent {
    return {
      id: newId(),
      type,
      tenantId,
      occurredAt: occurredAt.toISOString(),
      payload: {
        user_id: userId,
        tenant_id: tenantId,
        person_id: personId,
        email: `${fields.username}@example.com`,
        username: 'x',
        first_name: 'Ada',
        last_name: 'Lovelace',
        avatar_url: null,
        ...fields,
      },
    }
  }
  const rowOf = async (userId: string) =>
    (
      await sql<Record<string, unknown>>`select * from contacts.identities where user_id = ${userId}`.execute(
        t.platform.db,
      )
    ).rows

  it('changes nothing when the same event is delivered twice', async () => {
    const userId = newId()
    const event = userEvent('user.registered', userId, newPersonId(), { username: 'twice' })
    expect(await deliverOnce(t.platform.db, consumer(), event)).toBe(true)
    const first = await rowOf(userId)
    expect(first).toHaveLength(1)
    expect(first[0]).toMatchObject({ username: 'twice', first_name: 'Ada' })
    expect(await deliverOnce(t.platform.db, consumer(), event)).toBe(false)
    // Even a handler run that bypasses the inbox must not write again.
    await transaction(t.platform.db, (tx) => consumer().handle(event, tx))
    expect(await rowOf(userId)).toEqual(first)
  })

  it('fills in an identity created on first access and keeps its bio and status', async () => {
    const principal: Principal = {
      userId: newId(),
      tenantId,
      personId: newPersonId(),
      sessionId: newId(),
      tokenId: newId(),
      expiresAt: Date.now() + 60_000,
    }
    const bare = await ensureIdentity(t.platform.db, principal)
    expect(bare).toMatchObject({ username: null, email: null, personId: principal.personId })
    await sql`update contacts.identities set bio = 'kept', status = 'busy' where user_id = ${principal.userId}`.execute(
      t.platform.db,
    )

    await deliverOnce(
      t.platform.db,
      consumer(),
      userEvent('user.registered', principal.userId, principal.personId, { username: 'late' }),
    )
    expect(await findIdentityById(t.platform.db, principal.userId)).toMatchObject({
      username: 'late',
      email: 'late@example.com',
      bio: 'kept',
      status: 'busy',
    })
  })

  it('applies user.updated but never lets an older snapshot overwrite a newer one', async () => {
    const userId = newId()
    const personId = newPersonId()
    const now = Date.now()
    await deliverOnce(
      t.platform.db,
      consumer(),
      userEvent('user.registered', userId, personId, { username: 'v1' }, new Date(now - 2000)),
    )
    await deliverOnce(
      t.platform.db,
      consumer(),
      userEvent(
        'user.updated',
        userId,
        personId,
        { username: 'v1', avatar_url: '/media/avatars/a.webp' },
        new Date(now),
      ),
    )
    await deliverOnce(
      t.platform.db,
      consumer(),
      userEvent('user.updated', userId, personId, { username: 'stale' }, new Date(now - 1000)),
    )
    expect(await findIdentityById(t.platform.db, userId)).toMatchObject({
      username: 'v1',
      avatarUrl: '/media/avatars/a.webp',
    })
  })

  it('skips a malformed event instead of failing forever', async () => {
    const userId = newId()
    const event = userEvent('user.registered', userId, 'not-a-person-id', { username: 'bad' })
    expect(await deliverOnce(t.platform.db, consumer(), event)).toBe(true)
    expect(await rowOf(userId)).toEqual([])
  })

  it('projects users that auth registers, through the bus', async () => {
    const person = await newPerson(t)
    expect(await findIdentityById(t.platform.db, person.id)).toMatchObject({
      personId: person.person_id,
      username: person.username,
      email: person.email,
      tenantId: person.tenant_id,
    })
  })
})

describe('person_id search rate limit', () => {
  let limited: TestServer
  beforeAll(async () => {
    limited = await startContactsServer({ RATE_LIMITS: 'on' })
  })
  afterAll(() => limited?.close())

  it('allows 30 searches a minute per user, then answers 429 with Retry-After', async () => {
    const c = api(limited.url)
    const searcher = await newPerson(limited)
    const other = await newPerson(limited)
    for (let i = 0; i < 30; i++) {
      expect((await c.post('/acac/search/', { person_id: other.person_id }, searcher.access)).status).toBe(
        200,
      )
    }
    const refused = await c.post('/acac/search/', { person_id: other.person_id }, searcher.access)
    expect(refused.status).toBe(429)
    expect(refused.body.type).toBe('/problems/rate-limited')
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    // The limit is per user: someone else may still search.
    expect((await c.post('/acac/search/', { person_id: searcher.person_id }, other.access)).status).toBe(200)
  })
})
