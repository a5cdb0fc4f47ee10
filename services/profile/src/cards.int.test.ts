import { statSync } from 'node:fs'
import { join } from 'node:path'

import { authService } from '@parley/auth'
import {
  api,
  type SignedUpUser,
  signUp,
  startTestServer,
  type TestServer,
  unique,
} from '@parley/platform/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { profileService } from './index'
import { withCheckDigit } from './test-support'

/** A listed card, as far as these tests look at it. */
type Listed = { id: string; card_holder_name: string; is_default: boolean }

const YEAR = new Date().getUTCFullYear() + 2
let serial = 0
/** A fresh, Luhn-valid 16-digit Visa number. */
function visaNumber(): string {
  serial++
  return withCheckDigit(`4${String(Date.now() % 1e8).padStart(8, '0')}${String(serial).padStart(6, '0')}`)
}

function card(changes: Record<string, unknown> = {}) {
  return {
    card_type: 'credit',
    card_brand: 'visa',
    card_number: visaNumber(),
    card_holder_name: 'Ada Lovelace',
    expiry_month: 12,
    expiry_year: YEAR,
    ...changes,
  }
}

describe('profile service: cards', () => {
  let t: TestServer
  const c = () => api(t.url)
  beforeAll(async () => {
    t = await startTestServer([authService, profileService])
  })
  afterAll(() => t?.close())

  async function add(user: SignedUpUser, body: Record<string, unknown>) {
    const res = await c().post('/profiles/cards/', body, user.access)
    expect(res.status, res.text).toBe(201)
    return res.body
  }

  it('saves a card keeping only brand, last four, holder and expiry; the number is in no response or log', async () => {
    const user = await signUp(t.url)
    const number = '4242 4242 4242 4242'
    const res = await c().post(
      '/profiles/cards/',
      card({ card_number: number, is_default: true }),
      user.access,
    )
    expect(res.status).toBe(201)
    expect(res.body).toEqual({
      id: expect.any(String),
      card_type: 'credit',
      card_brand: 'visa',
      card_number_masked: '**** **** **** 4242',
      last4: '4242',
      card_holder_name: 'Ada Lovelace',
      expiry_month: 12,
      expiry_year: YEAR,
      is_expired: false,
      is_default: true,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    })
    const reads = [
      res,
      await c().get('/profiles/cards/', user.access),
      await c().get(`/profiles/cards/${res.body.id}/`, user.access),
      await c().patch(`/profiles/cards/${res.body.id}/`, { card_holder_name: 'A. Lovelace' }, user.access),
    ]
    for (const r of reads) {
      expect(r.text).not.toContain('4242424242424242')
      expect(r.text).not.toContain('4242 4242 4242 4242')
    }
    expect(t.logs.text()).toContain('card saved')
    expect(t.logs.text()).not.toContain('4242424242424242')
    expect(t.logs.text()).not.toContain('4242 4242 4242 4242')
  })

  it('masks American Express in its own grouping', async () => {
    const user = await signUp(t.url)
    const amex = await add(user, card({ card_brand: 'amex', card_number: '3782-822463-10005' }))
    expect(amex).toMatchObject({ card_brand: 'amex', last4: '0005', card_number_masked: '**** ****** *0005' })
  })

  it('refuses bad numbers with a field error that never echoes the number', async () => {
    const user = await signUp(t.url)
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [card({ card_number: '4242424242424241' }), 'card_number', '4242424242424241'],
      [card({ card_number: '4242 4242 42' }), 'card_number', '4242 4242 42'],
      [card({ card_number: '4242x42424242424' }), 'card_number', '4242x42424242424'],
      [
        card({ card_number: withCheckDigit('999999999999999') }),
        'card_number',
        withCheckDigit('999999999999999'),
      ],
      [card({ card_number: 4242424242424242 }), 'card_number', '4242424242424242'],
      [card({ card_brand: 'mastercard', card_number: '4111111111111111' }), 'card_brand', '4111111111111111'],
      [
        card({ card_brand: 'amex', card_type: 'debit', card_number: '378282246310005' }),
        'card_type',
        '378282246310005',
      ],
      [
        card({ card_brand: 'amex', card_type: 'prepaid', card_number: '371449635398431' }),
        'card_type',
        '371449635398431',
      ],
      [card({ card_brand: 'bitcoin' }), 'card_brand', ''],
      [card({ card_type: 'charge' }), 'card_type', ''],
    ]
    for (const [body, field, number] of cases) {
      const res = await c().post('/profiles/cards/', body, user.access)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.type).toBe('/problems/validation-error')
      expect(Object.keys(res.body.errors), JSON.stringify(body)).toContain(field)
      if (number) expect(res.text).not.toContain(number)
      if (number) expect(t.logs.text()).not.toContain(number)
    }
    const mismatch = await c().post(
      '/profiles/cards/',
      card({ card_brand: 'mastercard', card_number: '4111111111111111' }),
      user.access,
    )
    expect(mismatch.body.errors.card_brand).toEqual(['The card number is a visa card, not mastercard.'])
    expect((await c().get('/profiles/cards/', user.access)).body.count).toBe(0)
  })

  it('refuses a CVV with a specific message', async () => {
    const user = await signUp(t.url)
    for (const field of ['cvv', 'cvc']) {
      const res = await c().post('/profiles/cards/', { ...card(), [field]: '123' }, user.access)
      expect(res.status).toBe(400)
      expect(res.body.errors[field]).toEqual([
        'Do not send the card security code (CVV/CVC): it is never accepted or stored.',
      ])
    }
    expect((await c().get('/profiles/cards/', user.access)).body.count).toBe(0)
  })

  it('refuses expired cards and impossible expiry dates', async () => {
    const user = await signUp(t.url)
    const now = new Date()
    const lastMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1))
    const expired = await c().post(
      '/profiles/cards/',
      card({ expiry_month: lastMonth.getUTCMonth() + 1, expiry_year: lastMonth.getUTCFullYear() }),
      user.access,
    )
    expect(expired.status).toBe(400)
    expect(expired.body.errors.expiry_year).toEqual(['The card has expired.'])
    expect(
      (await c().post('/profiles/cards/', card({ expiry_month: 13 }), user.access)).body.errors,
    ).toHaveProperty('expiry_month')
    expect(
      (await c().post('/profiles/cards/', card({ expiry_year: 27 }), user.access)).body.errors,
    ).toHaveProperty('expiry_year')
    expect(
      (await c().post('/profiles/cards/', card({ expiry_year: now.getUTCFullYear() + 30 }), user.access))
        .status,
    ).toBe(400)
    const thisMonth = await c().post(
      '/profiles/cards/',
      card({ expiry_month: now.getUTCMonth() + 1, expiry_year: now.getUTCFullYear() }),
      user.access,
    )
    expect(thisMonth.status).toBe(201)
  })

  it('refuses the same card twice for one user (409), whatever its formatting, but not for another user', async () => {
    const user = await signUp(t.url)
    const number = visaNumber()
    await add(user, card({ card_number: number }))
    const spaced = number.replace(/(\d{4})(?=\d)/g, '$1 ')
    const again = await c().post(
      '/profiles/cards/',
      card({ card_number: spaced, card_type: 'debit' }),
      user.access,
    )
    expect(again.status).toBe(409)
    expect(again.body.type).toBe('/problems/duplicate-card')
    expect(again.text).not.toContain(number)
    await add(await signUp(t.url), card({ card_number: number }))
  })

  it('keeps the fingerprint key in the data directory, readable by the owner only', () => {
    const stat = statSync(join(t.dataDir, 'secrets', 'card-fingerprint.key'))
    expect(stat.mode & 0o777).toBe(0o600)
  })

  it('allows at most 4 cards', async () => {
    const user = await signUp(t.url)
    for (let i = 0; i < 4; i++) await add(user, card())
    const fifth = await c().post('/profiles/cards/', card(), user.access)
    expect(fifth.status).toBe(409)
    expect(fifth.body.type).toBe('/problems/card-limit-reached')
    const list = (await c().get('/profiles/cards/', user.access)).body
    expect(list.count).toBe(4)
    await c().delete(`/profiles/cards/${list.results[0].id}/`, user.access)
    await add(user, card())
  })

  it('ends with exactly 4 cards when 6 are added at once', async () => {
    const user = await signUp(t.url)
    const results = await Promise.all(
      Array.from({ length: 6 }, () => c().post('/profiles/cards/', card(), user.access)),
    )
    const statuses = results.map((r) => r.status).sort()
    expect(statuses).toEqual([201, 201, 201, 201, 409, 409])
    for (const r of results.filter((r) => r.status === 409))
      expect(r.body.type).toBe('/problems/card-limit-reached')
    const list = (await c().get('/profiles/cards/', user.access)).body
    expect(list.count).toBe(4)
    expect(list.results.map((r: Listed) => r.id).sort()).toEqual(
      results
        .filter((r) => r.status === 201)
        .map((r) => r.body.id)
        .sort(),
    )
  })

  it('keeps at most one default card', async () => {
    const user = await signUp(t.url)
    const first = await add(user, card({ is_default: true }))
    const second = await add(user, card({ is_default: true }))
    const defaults = async () =>
      (await c().get('/profiles/cards/', user.access)).body.results
        .filter((x: Listed) => x.is_default)
        .map((x: Listed) => x.id)
    expect(await defaults()).toEqual([second.id])
    await c().patch(`/profiles/cards/${first.id}/`, { is_default: true }, user.access)
    expect(await defaults()).toEqual([first.id])
  })

  it('changes holder, expiry and default, but never the number, brand or type', async () => {
    const user = await signUp(t.url)
    const saved = await add(user, card())
    const path = `/profiles/cards/${saved.id}/`
    const patch = await c().patch(path, { card_holder_name: 'Grace Hopper', expiry_month: 1 }, user.access)
    expect(patch.body).toMatchObject({
      card_holder_name: 'Grace Hopper',
      expiry_month: 1,
      expiry_year: YEAR,
      last4: saved.last4,
    })
    const put = await c().put(
      path,
      { card_holder_name: 'G. Hopper', expiry_month: 6, expiry_year: YEAR + 1 },
      user.access,
    )
    expect(put.body).toMatchObject({
      card_holder_name: 'G. Hopper',
      expiry_month: 6,
      expiry_year: YEAR + 1,
      is_default: false,
    })
    expect((await c().put(path, { card_holder_name: 'X' }, user.access)).status).toBe(400)

    const number = visaNumber()
    const renumber = await c().patch(path, { card_number: number }, user.access)
    expect(renumber.status).toBe(400)
    expect(renumber.body.errors.card_number).toEqual([
      'The card number cannot be changed; add the new card and remove this one.',
    ])
    expect(renumber.text).not.toContain(number)
    expect((await c().patch(path, { card_brand: 'amex' }, user.access)).body.errors).toHaveProperty(
      'card_brand',
    )
    expect((await c().patch(path, { cvv: '123' }, user.access)).body.errors).toHaveProperty('cvv')
    expect((await c().patch(path, { expiry_year: 2001 }, user.access)).body.errors.expiry_year).toEqual([
      'The card has expired.',
    ])
    expect((await c().get(path, user.access)).body).toEqual(put.body)
  })

  it('deletes a card', async () => {
    const user = await signUp(t.url)
    const saved = await add(user, card())
    expect((await c().delete(`/profiles/cards/${saved.id}/`, user.access)).status).toBe(204)
    expect((await c().get(`/profiles/cards/${saved.id}/`, user.access)).status).toBe(404)
  })

  it("answers 404 to every attempt on another user's or tenant's card, and changes nothing", async () => {
    const owner = await signUp(t.url)
    const saved = await add(owner, card({ is_default: true }))
    const sameTenant = await signUp(t.url)
    const otherTenant = await signUp(t.url, { tenant: unique('ws') })
    const path = `/profiles/cards/${saved.id}/`
    for (const intruder of [sameTenant, otherTenant]) {
      const attempts = [
        await c().get(path, intruder.access),
        await c().put(
          path,
          { card_holder_name: 'Thief', expiry_month: 1, expiry_year: YEAR },
          intruder.access,
        ),
        await c().patch(path, { card_holder_name: 'Thief', is_default: true }, intruder.access),
        await c().delete(path, intruder.access),
      ]
      for (const res of attempts) {
        expect(res.status).toBe(404)
        expect(res.body.type).toBe('/problems/not-found')
      }
      expect((await c().get('/profiles/cards/', intruder.access)).body.count).toBe(0)
    }
    expect((await c().get(path, owner.access)).body).toEqual(saved)
    expect((await c().get('/profiles/cards/123/', owner.access)).status).toBe(404)
  })

  it('pages, searches and orders the list', async () => {
    const user = await signUp(t.url)
    await add(user, card({ card_holder_name: 'Zoe Visa', expiry_year: YEAR + 3 }))
    await add(
      user,
      card({
        card_holder_name: 'Amy Master',
        card_brand: 'mastercard',
        card_number: '5555 5555 5555 4444',
        expiry_year: YEAR + 1,
      }),
    )
    await add(
      user,
      card({
        card_holder_name: 'Bob Amex',
        card_brand: 'amex',
        card_number: '371449635398431',
        expiry_year: YEAR + 2,
      }),
    )
    const names = async (query: string) =>
      (await c().get(`/profiles/cards/?${query}`, user.access)).body.results.map(
        (x: Listed) => x.card_holder_name,
      )
    expect(await names('ordering=card_holder_name')).toEqual(['Amy Master', 'Bob Amex', 'Zoe Visa'])
    expect(await names('ordering=-expiry')).toEqual(['Zoe Visa', 'Bob Amex', 'Amy Master'])
    expect(await names('search=amex')).toEqual(['Bob Amex'])
    expect(await names('search=MASTER')).toEqual(['Amy Master'])
    expect(await names('search=4444')).toEqual(['Amy Master'])
    const page = (await c().get('/profiles/cards/?page_size=2&page=2&ordering=created_at', user.access)).body
    expect(page).toMatchObject({ count: 3, next: null })
    expect(page.previous).toContain('page=1')
    expect(page.results.map((x: Listed) => x.card_holder_name)).toEqual(['Bob Amex'])
    expect((await c().get('/profiles/cards/?ordering=fingerprint', user.access)).status).toBe(400)
  })
})
