import { describe, expect, it } from 'vitest'

import {
  checkCardNumber,
  detectBrand,
  detectBrands,
  isExpired,
  maskCardNumber,
  normalizeCardNumber,
  passesLuhn,
} from './card-number'

/** Appends the Luhn check digit to `body`. */
function withCheckDigit(body: string): string {
  for (let d = 0; d <= 9; d++) if (passesLuhn(body + d)) return body + d
  throw new Error('unreachable')
}

describe('passesLuhn', () => {
  it('accepts well-known test numbers', () => {
    for (const n of [
      '4242424242424242',
      '4111111111111111',
      '5555555555554444',
      '378282246310005',
      '6011111111111117',
      '36227206271667',
    ]) {
      expect(passesLuhn(n), n).toBe(true)
    }
  })

  it('refuses a number with one digit changed or two neighbours swapped', () => {
    expect(passesLuhn('4242424242424241')).toBe(false)
    expect(passesLuhn('4242424242424224')).toBe(false)
    expect(passesLuhn('5555555555554445')).toBe(false)
  })
})

describe('normalizeCardNumber', () => {
  it('drops spaces and dashes', () => {
    expect(normalizeCardNumber('4242 4242-4242 4242')).toBe('4242424242424242')
    expect(normalizeCardNumber(' 3782 822463 10005 ')).toBe('378282246310005')
  })

  it('refuses letters, other separators and wrong lengths', () => {
    expect(normalizeCardNumber('4242x4242424242424')).toBeUndefined()
    expect(normalizeCardNumber('4242.4242.4242.4242')).toBeUndefined()
    expect(normalizeCardNumber('42424242424')).toBeUndefined()
    expect(normalizeCardNumber('4'.repeat(20))).toBeUndefined()
  })
})

describe('detectBrand', () => {
  it.each([
    ['4242424242424242', 'visa'],
    ['4222222222222', 'visa'],
    ['5555555555554444', 'mastercard'],
    ['2223003122003222', 'mastercard'],
    ['378282246310005', 'amex'],
    ['371449635398431', 'amex'],
    ['6011111111111117', 'discover'],
    ['6445644564456445', 'discover'],
    ['3056930009020004', 'diners'],
    ['36227206271667', 'diners'],
    ['3566002020360505', 'jcb'],
    ['6200000000000005', 'unionpay'],
    [withCheckDigit('675964982643845'), 'maestro'],
    [withCheckDigit('50180000000000'), 'maestro'],
    [withCheckDigit('608001000000000'), 'rupay'],
    [withCheckDigit('652150000000000'), 'rupay'],
  ])('detects %s as %s', (digits, brand) => {
    expect(passesLuhn(digits)).toBe(true)
    expect(detectBrand(digits)).toBe(brand)
  })

  it('lists co-branded ranges with the most specific brand first', () => {
    expect(detectBrands(withCheckDigit('652150000000000'))).toEqual(['rupay', 'discover'])
    expect(detectBrands(withCheckDigit('622126000000000'))).toEqual(['discover', 'unionpay'])
  })

  it('checks the length of the brand, not only the prefix', () => {
    expect(detectBrand(withCheckDigit('3782822463100'))).toBeUndefined() // 14 digits; amex is 15
    expect(detectBrand(withCheckDigit('55555555555544'))).toBeUndefined() // mastercard is 16
    expect(detectBrand(withCheckDigit('999999999999999'))).toBeUndefined()
  })
})

describe('checkCardNumber', () => {
  it('accepts a matching brand and type and answers the bare digits', () => {
    expect(checkCardNumber('4242-4242-4242-4242', 'visa', 'debit')).toEqual({
      ok: true,
      digits: '4242424242424242',
      brand: 'visa',
    })
    expect(checkCardNumber(withCheckDigit('652150000000000'), 'discover', 'credit')).toMatchObject({
      ok: true,
    })
  })

  it('names the field and problem of each failure without echoing the number', () => {
    const cases = [
      [checkCardNumber('4242 4242', 'visa', 'credit'), 'card_number', 'format'],
      [checkCardNumber('4242424242424241', 'visa', 'credit'), 'card_number', 'luhn'],
      [checkCardNumber(withCheckDigit('999999999999999'), 'visa', 'credit'), 'card_number', 'unknown-brand'],
      [checkCardNumber('4242424242424242', 'mastercard', 'credit'), 'card_brand', 'brand-mismatch'],
      [checkCardNumber('378282246310005', 'amex', 'debit'), 'card_type', 'type-mismatch'],
      [checkCardNumber('378282246310005', 'amex', 'prepaid'), 'card_type', 'type-mismatch'],
      [checkCardNumber('36227206271667', 'diners', 'debit'), 'card_type', 'type-mismatch'],
      [checkCardNumber(withCheckDigit('675964982643845'), 'maestro', 'credit'), 'card_type', 'type-mismatch'],
    ] as const
    for (const [result, field, problem] of cases) {
      expect(result).toMatchObject({ ok: false, field, problem })
      if (!result.ok) expect(result.message).not.toMatch(/\d{6,}/)
    }
  })

  it('says which brand the number really is', () => {
    const result = checkCardNumber('5555555555554444', 'visa', 'credit')
    expect(result).toMatchObject({ ok: false, message: 'The card number is a mastercard card, not visa.' })
  })
})

describe('maskCardNumber', () => {
  it('shows only the last four digits', () => {
    expect(maskCardNumber('visa', '4242')).toBe('**** **** **** 4242')
    expect(maskCardNumber('amex', '0005')).toBe('**** ****** *0005')
  })
})

describe('isExpired', () => {
  it('keeps a card valid through the last day of its expiry month', () => {
    expect(isExpired(11, 2026, new Date('2026-11-30T23:00:00Z'))).toBe(false)
    expect(isExpired(12, 2026, new Date('2026-11-15T00:00:00Z'))).toBe(false)
    expect(isExpired(10, 2026, new Date('2026-11-15T00:00:00Z'))).toBe(true)
    expect(isExpired(12, 2025, new Date('2026-01-15T00:00:00Z'))).toBe(true)
  })

  it('is lenient by the earliest time zone around the turn of a month', () => {
    expect(isExpired(11, 2026, new Date('2026-12-01T06:00:00Z'))).toBe(false)
    expect(isExpired(11, 2026, new Date('2026-12-01T13:00:00Z'))).toBe(true)
  })
})
