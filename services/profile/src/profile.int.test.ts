import { authService } from '@parley/auth'
import { deliverOnce, newId } from '@parley/platform'
import { api, signUp, startTestServer, type TestServer, unique } from '@parley/platform/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { profileService } from './index'
import { accountEvent, accountPayload, profileConsumer, publishAccountEvent } from './test-support'

const FULL_PROFILE = {
  first_name: 'Ada',
  last_name: 'Lovelace',
  display_name: 'ada',
  primary_phone: '+14155550100',
  alternate_phone: null,
  gender: 'female',
  date_of_birth: '1990-12-10',
  status_message: 'Counting',
}

describe('profile service: profile', () => {
  let t: TestServer
  const c = () => api(t.url)
  beforeAll(async () => {
    t = await startTestServer([authService, profileService])
  })
  afterAll(() => t?.close())

  it('answers health without a token and checks tokens on test-auth', async () => {
    expect((await c().get('/profiles/health/')).body).toEqual({ status: 'ok', service: 'profile' })
    const anonymous = await c().get('/profiles/test-auth/')
    expect(anonymous.status).toBe(401)
    expect(anonymous.body.type).toBe('/problems/unauthorized')
    expect((await c().get('/profiles/test-auth/', 'garbage.token.here')).status).toBe(401)
    const user = await signUp(t.url)
    const ok = await c().get('/profiles/test-auth/', user.access)
    expect(ok.body).toEqual({
      authenticated: true,
      user_id: user.id,
      tenant_id: user.tenant_id,
      person_id: user.person_id,
    })
  })

  it('refuses every profile method without a token, before looking at the body', async () => {
    expect((await c().get('/profiles/profile/')).status).toBe(401)
    expect((await c().patch('/profiles/profile/', { email: 'x' })).status).toBe(401)
    expect((await c().put('/profiles/profile/', {})).status).toBe(401)
  })

  it('creates the profile from user.registered with the account email, username and names', async () => {
    const user = await signUp(t.url, { first_name: 'Grace' })
    await t.platform.bus.drain()
    const res = await c().get('/profiles/profile/', user.access)
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({
      user_id: user.id,
      person_id: user.person_id,
      email: user.email,
      username: user.username,
      first_name: 'Grace',
      last_name: null,
      gender: null,
    })
    expect(Date.parse(res.body.created_at)).not.toBeNaN()
  })

  it('creates the profile on first access from the token, and fills it when the event comes later', async () => {
    await t.platform.bus.stop()
    let user
    try {
      user = await signUp(t.url, { first_name: 'Late' })
      const first = await c().get('/profiles/profile/', user.access)
      expect(first.status).toBe(200)
      expect(first.body).toMatchObject({ person_id: user.person_id, email: null, first_name: null })
    } finally {
      t.platform.bus.start()
    }
    await t.platform.bus.drain()
    const later = await c().get('/profiles/profile/', user.access)
    expect(later.body).toMatchObject({ person_id: user.person_id, email: user.email, first_name: 'Late' })
  })

  it('replaces the editable profile with PUT and changes single fields with PATCH', async () => {
    const user = await signUp(t.url)
    const put = await c().put('/profiles/profile/', FULL_PROFILE, user.access)
    expect(put.status).toBe(200)
    expect(put.body).toMatchObject({ ...FULL_PROFILE, email: user.email, person_id: user.person_id })

    const patch = await c().patch(
      '/profiles/profile/',
      { status_message: 'Busy', alternate_phone: '+44 20 7183 8750' },
      user.access,
    )
    expect(patch.status).toBe(200)
    expect(patch.body).toMatchObject({
      ...FULL_PROFILE,
      status_message: 'Busy',
      alternate_phone: '+442071838750',
    })
    expect(Date.parse(patch.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(put.body.updated_at))

    const cleared = await c().patch('/profiles/profile/', { display_name: '', gender: null }, user.access)
    expect(cleared.body).toMatchObject({ display_name: null, gender: null, first_name: 'Ada' })
    expect((await c().get('/profiles/profile/', user.access)).body).toEqual(cleared.body)
  })

  it('requires every editable field on PUT', async () => {
    const user = await signUp(t.url)
    const res = await c().put('/profiles/profile/', { first_name: 'Only' }, user.access)
    expect(res.status).toBe(400)
    expect(Object.keys(res.body.errors)).toEqual(
      expect.arrayContaining(['last_name', 'primary_phone', 'date_of_birth']),
    )
  })

  it('validates phones, dates, gender and unknown fields with per-field errors', async () => {
    const user = await signUp(t.url)
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ primary_phone: '4155550100' }, 'primary_phone'],
      [{ primary_phone: '+0155550100' }, 'primary_phone'],
      [{ alternate_phone: '+1 415 555 0100 9999 99' }, 'alternate_phone'],
      [{ date_of_birth: '2001-02-30' }, 'date_of_birth'],
      [{ date_of_birth: '10/12/1990' }, 'date_of_birth'],
      [{ date_of_birth: '1850-01-01' }, 'date_of_birth'],
      [{ gender: 'robot' }, 'gender'],
      [{ first_name: 'x'.repeat(151) }, 'first_name'],
      [{ nickname: 'x' }, 'nickname'],
    ]
    for (const [body, field] of cases) {
      const res = await c().patch('/profiles/profile/', body, user.access)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.headers.get('content-type')).toContain('application/problem+json')
      expect(Object.keys(res.body.errors), JSON.stringify(body)).toContain(field)
    }
  })

  it('refuses a birth date in the future but accepts today', async () => {
    const user = await signUp(t.url)
    const tomorrow = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10)
    const future = await c().patch('/profiles/profile/', { date_of_birth: tomorrow }, user.access)
    expect(future.status).toBe(400)
    expect(future.body.errors.date_of_birth).toEqual(['The date of birth cannot be in the future.'])
    const today = new Date().toISOString().slice(0, 10)
    expect(
      (await c().patch('/profiles/profile/', { date_of_birth: today }, user.access)).body.date_of_birth,
    ).toBe(today)
  })

  it('refuses read-only fields with a specific message', async () => {
    const user = await signUp(t.url)
    const res = await c().patch(
      '/profiles/profile/',
      { email: 'evil@example.com', person_id: '111111' },
      user.access,
    )
    expect(res.status).toBe(400)
    expect(res.body.errors).toEqual({
      email: ['This field is read-only.'],
      person_id: ['This field is read-only.'],
    })
    expect((await c().get('/profiles/profile/', user.access)).body.email).not.toBe('evil@example.com')
  })

  it('writes nothing when any field of a change is invalid', async () => {
    const user = await signUp(t.url)
    await c().patch('/profiles/profile/', { display_name: 'Before' }, user.access)
    const res = await c().patch(
      '/profiles/profile/',
      { display_name: 'After', date_of_birth: '2999-01-01' },
      user.access,
    )
    expect(res.status).toBe(400)
    expect((await c().get('/profiles/profile/', user.access)).body.display_name).toBe('Before')
  })

  it('follows user.updated for account fields, and for names only until the user sets them', async () => {
    const user = await signUp(t.url)
    await t.platform.bus.drain()
    await c().patch('/profiles/profile/', { first_name: 'Mine' }, user.access)
    const email = `${unique('new')}@example.com`
    await publishAccountEvent(
      t,
      'user.updated',
      accountPayload(user, {
        email,
        username: 'renamed',
        first_name: 'Theirs',
        last_name: 'Family',
        avatar_url: '/media/a.png',
      }),
    )
    const res = await c().get('/profiles/profile/', user.access)
    expect(res.body).toMatchObject({
      email,
      username: 'renamed',
      first_name: 'Mine',
      last_name: 'Family',
      avatar_url: '/media/a.png',
    })
  })

  it('changes nothing when the same event is delivered twice', async () => {
    const user = await signUp(t.url)
    await t.platform.bus.drain()
    const consumer = profileConsumer(t)
    const first = accountEvent(newId(), accountPayload(user, { email: `${unique('one')}@example.com` }))
    const second = accountEvent(newId(), accountPayload(user, { email: `${unique('two')}@example.com` }))
    expect(await deliverOnce(t.platform.db, consumer, first)).toBe(true)
    expect(await deliverOnce(t.platform.db, consumer, second)).toBe(true)
    const before = (await c().get('/profiles/profile/', user.access)).body
    expect(before.email).toBe(second.payload.email)

    expect(await deliverOnce(t.platform.db, consumer, first)).toBe(false)
    expect((await c().get('/profiles/profile/', user.access)).body).toEqual(before)

    // Even a copy with a new id (a replay the inbox cannot recognise) leaves updated_at alone.
    const copy = { ...second, id: newId(), occurredAt: new Date().toISOString() }
    expect(await deliverOnce(t.platform.db, consumer, copy)).toBe(true)
    expect((await c().get('/profiles/profile/', user.access)).body).toEqual(before)
  })

  it('ignores a snapshot older than the one already applied', async () => {
    const user = await signUp(t.url)
    await t.platform.bus.drain()
    const consumer = profileConsumer(t)
    const now = Date.now()
    await deliverOnce(
      t.platform.db,
      consumer,
      accountEvent(newId(), accountPayload(user, { username: 'newer' }), new Date(now + 60_000)),
    )
    await deliverOnce(
      t.platform.db,
      consumer,
      accountEvent(newId(), accountPayload(user, { username: 'older' }), new Date(now + 30_000)),
    )
    expect((await c().get('/profiles/profile/', user.access)).body.username).toBe('newer')
  })

  it('keeps each tenant and user to their own profile', async () => {
    const a = await signUp(t.url)
    const b = await signUp(t.url, { tenant: unique('ws') })
    await c().patch('/profiles/profile/', { display_name: 'A' }, a.access)
    const res = await c().get('/profiles/profile/', b.access)
    expect(res.body).toMatchObject({ user_id: b.id, person_id: b.person_id, display_name: null })
  })

  it('documents every profile endpoint in the OpenAPI document', async () => {
    const doc = (await c().get('/api/schema/')).body
    const expected: Record<string, string[]> = {
      '/profiles/health/': ['get'],
      '/profiles/test-auth/': ['get'],
      '/profiles/profile/': ['get', 'put', 'patch'],
      '/profiles/addresses/': ['get', 'post'],
      '/profiles/addresses/{id}/': ['get', 'put', 'patch', 'delete'],
      '/profiles/cards/': ['get', 'post'],
      '/profiles/cards/{id}/': ['get', 'put', 'patch', 'delete'],
    }
    for (const [path, methods] of Object.entries(expected)) {
      expect(doc.paths[path], path).toBeDefined()
      for (const method of methods) {
        expect(doc.paths[path][method], `${method} ${path}`).toBeDefined()
        expect(doc.paths[path][method].tags).toEqual(['profile'])
      }
    }
    const cardBody = doc.paths['/profiles/cards/'].post.requestBody.content['application/json'].schema
    expect(Object.keys(cardBody.properties)).toContain('card_number')
    const cardOut = doc.paths['/profiles/cards/{id}/'].get.responses['200'].content['application/json'].schema
    expect(Object.keys(cardOut.properties)).toContain('card_number_masked')
    expect(Object.keys(cardOut.properties)).not.toContain('card_number')
  })
})
