import { describe, expect, it } from 'vitest'

import { passwordProblems } from './password-rules'

describe(passwordProblems.name, () => {
  it('accepts a long enough password that is not all digits nor the email', () => {
    expect(passwordProblems('correct horse', 'a@example.com')).toEqual([])
  })

  it('names each broken rule', () => {
    expect(passwordProblems('short', undefined)).toHaveLength(1)
    expect(passwordProblems('12345678', undefined)[0]).toMatch(/numeric/)
    expect(passwordProblems('1234', undefined)).toHaveLength(2)
    expect(passwordProblems('Ada@Example.com', 'ada@example.com')[0]).toMatch(/email/)
  })

  it('counts characters, not UTF-16 units', () => {
    expect(passwordProblems('🙂🙂🙂🙂', undefined)).toHaveLength(1)
    expect(passwordProblems('🙂🙂🙂🙂🙂🙂🙂🙂', undefined)).toEqual([])
  })
})
