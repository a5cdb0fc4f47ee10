import { authService } from '@parley/auth'
import {
  api,
  type SignedUpUser,
  signUp,
  startTestServer,
  type TestServer,
  unique,
} from '@parley/platform/testing'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { profileService } from './index'

/** A listed address, as far as these tests look at it. */
type Listed = { id: string; city: string; is_default: boolean }

const HOME = {
  address_type: 'home',
  line1: '221B Baker Street',
  line2: 'Flat 2',
  country: 'gb',
  state: 'London',
  city: 'London',
  zip_code: 'NW1 6XE',
  phone_number: '+44 20 7224 3688',
  is_default: true,
}

function address(type: string, changes: Record<string, unknown> = {}) {
  return { address_type: type, line1: `${type} street 1`, country: 'IN', city: 'Pune', ...changes }
}

describe('profile service: addresses', () => {
  let t: TestServer
  const c = () => api(t.url)
  beforeAll(async () => {
    t = await startTestServer([authService, profileService])
  })
  afterAll(() => t?.close())

  async function create(user: SignedUpUser, body: Record<string, unknown>) {
    const res = await c().post('/profiles/addresses/', body, user.access)
    expect(res.status, res.text).toBe(201)
    return res.body
  }

  it('adds an address, normalising country and phone, and reads it back', async () => {
    const user = await signUp(t.url)
    const created = await create(user, HOME)
    expect(created).toMatchObject({ ...HOME, country: 'GB', phone_number: '+442072243688' })
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/)
    expect((await c().get(`/profiles/addresses/${created.id}/`, user.access)).body).toEqual(created)
  })

  it('validates type, country, phone, zip, required and unknown fields', async () => {
    const user = await signUp(t.url)
    const cases: Array<[Record<string, unknown>, string]> = [
      [address('castle'), 'address_type'],
      [address('home', { country: 'XX' }), 'country'],
      [address('home', { country: 'UK' }), 'country'],
      [address('home', { country: 'USA' }), 'country'],
      [address('home', { phone_number: '020 7224 3688' }), 'phone_number'],
      [address('home', { zip_code: '<script>' }), 'zip_code'],
      [address('home', { line1: '   ' }), 'line1'],
      [{ address_type: 'home', country: 'IN', city: 'Pune' }, 'line1'],
      [address('home', { city: undefined }), 'city'],
      [address('home', { floor: 3 }), 'floor'],
    ]
    for (const [body, field] of cases) {
      const res = await c().post('/profiles/addresses/', body, user.access)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.type).toBe('/problems/validation-error')
      expect(Object.keys(res.body.errors), JSON.stringify(body)).toContain(field)
    }
    expect((await c().get('/profiles/addresses/', user.access)).body.count).toBe(0)
  })

  it('keeps one address per type: 409 with a field error on create, PUT and PATCH', async () => {
    const user = await signUp(t.url)
    await create(user, address('home'))
    const work = await create(user, address('work'))
    const again = await c().post('/profiles/addresses/', address('home', { city: 'Goa' }), user.access)
    expect(again.status).toBe(409)
    expect(again.body.type).toBe('/problems/address-type-taken')
    expect(again.body.errors.address_type).toEqual(['You already have a home address.'])
    expect(
      (await c().patch(`/profiles/addresses/${work.id}/`, { address_type: 'home' }, user.access)).status,
    ).toBe(409)
    expect((await c().put(`/profiles/addresses/${work.id}/`, address('home'), user.access)).status).toBe(409)
    expect(
      (await c().patch(`/profiles/addresses/${work.id}/`, { address_type: 'work', city: 'Goa' }, user.access))
        .status,
    ).toBe(200)
    const other = await signUp(t.url)
    await create(other, address('home'))
  })

  it('keeps at most one default: a new default clears the old one', async () => {
    const user = await signUp(t.url)
    const home = await create(user, address('home', { is_default: true }))
    const work = await create(user, address('work', { is_default: true }))
    const defaults = async () =>
      (await c().get('/profiles/addresses/', user.access)).body.results
        .filter((a: Listed) => a.is_default)
        .map((a: Listed) => a.id)
    expect(await defaults()).toEqual([work.id])
    expect(
      (await c().patch(`/profiles/addresses/${home.id}/`, { is_default: true }, user.access)).body.is_default,
    ).toBe(true)
    expect(await defaults()).toEqual([home.id])
    await c().patch(`/profiles/addresses/${home.id}/`, { is_default: false }, user.access)
    expect(await defaults()).toEqual([])
  })

  it('has a partial unique index behind the single-default rule', async () => {
    const user = await signUp(t.url)
    await create(user, address('home', { is_default: true }))
    const work = await create(user, address('work'))
    await expect(
      sql`update profile.addresses set is_default = true where id = ${work.id}`.execute(t.platform.db),
    ).rejects.toMatchObject({ code: '23505' })
  })

  it('writes nothing when a change fails: the old default survives a refused new default', async () => {
    const user = await signUp(t.url)
    const home = await create(user, address('home', { is_default: true }))
    const refused = await c().post(
      '/profiles/addresses/',
      address('home', { is_default: true, city: 'Goa' }),
      user.access,
    )
    expect(refused.status).toBe(409)
    const list = (await c().get('/profiles/addresses/', user.access)).body
    expect(list.results).toEqual([home])
  })

  it('replaces with PUT (left-out optional fields become empty) and changes with PATCH', async () => {
    const user = await signUp(t.url)
    const home = await create(user, HOME)
    const put = await c().put(
      `/profiles/addresses/${home.id}/`,
      address('home', { city: 'Mumbai' }),
      user.access,
    )
    expect(put.status).toBe(200)
    expect(put.body).toMatchObject({
      id: home.id,
      city: 'Mumbai',
      country: 'IN',
      line2: null,
      zip_code: null,
      phone_number: null,
      is_default: false,
    })
    const patch = await c().patch(
      `/profiles/addresses/${home.id}/`,
      { zip_code: '411001', state: 'MH' },
      user.access,
    )
    expect(patch.body).toMatchObject({ city: 'Mumbai', zip_code: '411001', state: 'MH' })
    expect((await c().put(`/profiles/addresses/${home.id}/`, { city: 'Pune' }, user.access)).status).toBe(400)
    expect(
      (await c().patch(`/profiles/addresses/${home.id}/`, { id: 'x' }, user.access)).body.errors.id,
    ).toEqual(['This field is read-only.'])
  })

  it('deletes an address, after which it is gone', async () => {
    const user = await signUp(t.url)
    const home = await create(user, address('home'))
    expect((await c().delete(`/profiles/addresses/${home.id}/`, user.access)).status).toBe(204)
    expect((await c().get(`/profiles/addresses/${home.id}/`, user.access)).status).toBe(404)
    expect((await c().delete(`/profiles/addresses/${home.id}/`, user.access)).status).toBe(404)
    await create(user, address('home'))
  })

  it("answers 404 to every attempt on another user's or tenant's address, and changes nothing", async () => {
    const owner = await signUp(t.url)
    const home = await create(owner, HOME)
    const sameTenant = await signUp(t.url)
    const otherTenant = await signUp(t.url, { tenant: unique('ws') })
    for (const intruder of [sameTenant, otherTenant]) {
      const path = `/profiles/addresses/${home.id}/`
      const attempts = [
        await c().get(path, intruder.access),
        await c().put(path, address('home'), intruder.access),
        await c().patch(path, { city: 'Elsewhere' }, intruder.access),
        await c().delete(path, intruder.access),
      ]
      for (const res of attempts) {
        expect(res.status).toBe(404)
        expect(res.body.type).toBe('/problems/not-found')
      }
      expect((await c().get('/profiles/addresses/', intruder.access)).body.count).toBe(0)
    }
    expect((await c().get(`/profiles/addresses/${home.id}/`, owner.access)).body).toEqual(home)
    expect((await c().get('/profiles/addresses/not-a-uuid/', owner.access)).status).toBe(404)
  })

  it('pages, searches and orders the list', async () => {
    const user = await signUp(t.url)
    const cities = { home: 'Pune', work: 'Berlin', billing: 'Austin', shipping: 'Zurich', other: 'Madrid' }
    for (const [type, city] of Object.entries(cities)) {
      await create(
        user,
        address(type, {
          city,
          zip_code: type === 'work' ? '10115' : null,
          line1: `${city} road ${type === 'work' ? '500' : '50%'}`,
        }),
      )
    }
    const page1 = (await c().get('/profiles/addresses/?page_size=2&ordering=city', user.access)).body
    expect(page1).toMatchObject({ count: 5, previous: null })
    expect(page1.results.map((a: Listed) => a.city)).toEqual(['Austin', 'Berlin'])
    expect(page1.next).toBe('/profiles/addresses/?page_size=2&ordering=city&page=2')
    const page3 = (await c().get('/profiles/addresses/?page=3&page_size=2&ordering=city', user.access)).body
    expect(page3.results.map((a: Listed) => a.city)).toEqual(['Zurich'])
    expect(page3.next).toBeNull()

    const desc = (await c().get('/profiles/addresses/?ordering=-city', user.access)).body
    expect(desc.results.map((a: Listed) => a.city)).toEqual(['Zurich', 'Pune', 'Madrid', 'Berlin', 'Austin'])

    const search = async (q: string) =>
      (await c().get(`/profiles/addresses/?search=${encodeURIComponent(q)}`, user.access)).body.results
        .map((a: Listed) => a.city)
        .sort()
    expect(await search('ber')).toEqual(['Berlin'])
    expect(await search('10115')).toEqual(['Berlin'])
    expect(await search('madrid ROAD')).toEqual(['Madrid'])
    expect(await search('50%')).toHaveLength(4)
    expect(await search('5_')).toEqual([])

    const bad = await c().get('/profiles/addresses/?ordering=line1,-password', user.access)
    expect(bad.status).toBe(400)
    expect(Object.keys(bad.body.errors)).toEqual(['ordering'])
    expect((await c().get('/profiles/addresses/?page_size=101', user.access)).status).toBe(400)
  })
})
