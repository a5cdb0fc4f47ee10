import { api, type SignedUpUser, signUp, type TestServer, unique } from '@parley/platform/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { newTenantSlug, startContactsServer } from './testing'

/** GET /acac/people/: people of my workspace by name or username, and the `discoverable` setting. */
describe('people search by name', () => {
  let t: TestServer
  let tenant: string
  let ann: SignedUpUser
  let zeb: SignedUpUser
  let ming: SignedUpUser
  let blocker: SignedUpUser
  let foreigner: SignedUpUser
  const c = () => api(t.url)

  const person = async (fields: { tenant: string; first_name?: string; username?: string }) => {
    const u = await signUp(t.url, { username: fields.username ?? unique('p'), ...fields })
    await t.platform.bus.drain()
    return u
  }
  const found = async (u: SignedUpUser, search: string) => {
    const res = await c().get(`/acac/people/?search=${encodeURIComponent(search)}`, u.access)
    expect(res.status).toBe(200)
    return res.body.results.map((r: { user_id: string }) => r.user_id) as string[]
  }

  beforeAll(async () => {
    t = await startContactsServer()
    tenant = newTenantSlug()
    ann = await person({ tenant, first_name: 'Ann' })
    zeb = await person({ tenant, first_name: 'Zebulon', username: unique('zebra') })
    ming = await person({ tenant, first_name: '王小明' })
    blocker = await person({ tenant, first_name: 'Zebediah' })
    foreigner = await person({ tenant: newTenantSlug(), first_name: 'Zebulon' })
  })
  afterAll(() => t?.close())

  it('finds people of my workspace by part of a name or username, in any script', async () => {
    expect(await found(ann, 'zebu')).toEqual([zeb.id])
    expect(await found(ann, zeb.username.slice(0, 8).toUpperCase())).toEqual([zeb.id])
    expect(await found(ann, '小明')).toEqual([ming.id])
    const res = await c().get('/acac/people/?search=zebulon', ann.access)
    expect(res.body).toMatchObject({ count: 1, next: null, previous: null })
    expect(res.body.results[0]).toMatchObject({
      user_id: zeb.id,
      person_id: zeb.person_id,
      username: zeb.username,
      relationship: 'none',
      is_contact: false,
    })
    expect(res.body.results[0]).not.toHaveProperty('email')
  })

  it('never finds me, nor anyone of another tenant', async () => {
    expect(await found(ann, 'ann')).not.toContain(ann.id)
    expect(await found(foreigner, 'zebulon')).toEqual([])
    expect(await found(ann, 'zebulon')).not.toContain(foreigner.id)
  })

  it('hides someone who blocked me', async () => {
    expect(await found(ann, 'zebediah')).toEqual([blocker.id])
    expect((await c().post(`/acac/blocks/${ann.person_id}/`, {}, blocker.access)).status).toBe(201)
    expect(await found(ann, 'zebediah')).toEqual([])
  })

  it('leaves out people who are not discoverable, who are still found by person_id', async () => {
    const me = await c().get('/acac/profile/', zeb.access)
    expect(me.body.discoverable).toBe(true)
    const off = await c().patch('/acac/profile/', { discoverable: false }, zeb.access)
    expect(off.status).toBe(200)
    expect(off.body.discoverable).toBe(false)
    expect(await found(ann, 'zebulon')).toEqual([])
    expect(await found(ann, zeb.username)).toEqual([])
    const byId = await c().post('/acac/search/', { person_id: zeb.person_id }, ann.access)
    expect(byId.status).toBe(200)
    expect(byId.body.user_id).toBe(zeb.id)
    await c().patch('/acac/profile/', { discoverable: true }, zeb.access)
    expect(await found(ann, 'zebulon')).toEqual([zeb.id])
  })

  it('refuses a missing or empty search and a bad setting with problem+json', async () => {
    for (const q of ['', '?search=', '?search=%20', '?search=x&page_size=500', '?search=x&other=1']) {
      const res = await c().get(`/acac/people/${q}`, ann.access)
      expect(res.status).toBe(400)
      expect(res.headers.get('content-type')).toContain('application/problem+json')
    }
    const bad = await c().patch('/acac/profile/', { discoverable: 'yes' }, ann.access)
    expect(bad.status).toBe(400)
    expect(bad.body.errors).toHaveProperty('discoverable')
    expect((await c().get('/acac/people/?search=zeb')).status).toBe(401)
  })
})
