import { describe, expect, it } from 'vitest'

import { mentionAt, mentionOptions } from './mentions'

const members = [
  { userId: 'u1', username: 'bob_smith', name: 'Bob Smith' },
  { userId: 'u2', username: 'ann', name: 'Ann Lee' },
]

describe('mentionAt', () => {
  it('finds the @query just before the caret, not inside an e-mail address', () => {
    expect(mentionAt('hi @bo', 6)).toEqual({ query: 'bo', start: 3 })
    expect(mentionAt('@', 1)).toEqual({ query: '', start: 0 })
    expect(mentionAt('hi @bo there', 12)).toBeNull()
    expect(mentionAt('mail ann@exa', 12)).toBeNull()
    expect(mentionAt('hi @bo there', 6)).toEqual({ query: 'bo', start: 3 })
  })
})

describe('mentionOptions', () => {
  it('matches usernames and words of names by prefix, then @here/@channel for admins', () => {
    expect(mentionOptions(members, 'smi', false).map((m) => m.username)).toEqual(['bob_smith'])
    expect(mentionOptions(members, '', false).map((m) => m.username)).toEqual(['bob_smith', 'ann'])
    expect(mentionOptions(members, '', true).map((m) => m.username)).toEqual([
      'bob_smith',
      'ann',
      'here',
      'channel',
    ])
    expect(mentionOptions(members, 'he', true).map((m) => m.username)).toEqual(['here'])
    expect(mentionOptions(members, 'zz', true)).toEqual([])
  })
})
