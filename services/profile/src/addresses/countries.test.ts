import { describe, expect, it } from 'vitest'

import { COUNTRY_CODES, isCountryCode } from './countries'

describe('COUNTRY_CODES', () => {
  it('holds the 249 assigned ISO 3166-1 alpha-2 codes', () => {
    expect(COUNTRY_CODES.size).toBe(249)
    for (const code of COUNTRY_CODES) expect(code).toMatch(/^[A-Z]{2}$/)
  })

  it('names only regions that ICU knows', () => {
    const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' })
    const unknown = [...COUNTRY_CODES].filter((code) => !names.of(code))
    expect(unknown).toEqual([])
  })

  it('accepts real codes and refuses user-assigned and made-up ones', () => {
    expect(isCountryCode('IN')).toBe(true)
    expect(isCountryCode('SS')).toBe(true)
    expect(isCountryCode('XK')).toBe(false)
    expect(isCountryCode('UK')).toBe(false)
    expect(isCountryCode('EU')).toBe(false)
  })
})
