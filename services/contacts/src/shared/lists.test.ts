import { describe, expect, it } from 'vitest'
import { likePattern, listQuery, parseOrdering } from './lists'

describe('listQuery', () => {
  const Query = listQuery(['username', '-username', 'created_at'], 'username')

  it('applies the defaults of SPEC section 2', () => {
    expect(Query.parse({})).toEqual({ page: 1, page_size: 20, ordering: 'username' })
  })

  it('accepts only whitelisted orderings and trims the search', () => {
    expect(Query.parse({ ordering: '-username', search: '  ann ' })).toMatchObject({ ordering: '-username', search: 'ann' })
    expect(Query.safeParse({ ordering: 'password_hash' }).success).toBe(false)
    expect(Query.safeParse({ page_size: '101' }).success).toBe(false)
  })
})

describe(likePattern.name, () => {
  it('escapes LIKE wildcards and the escape character', () => {
    expect(likePattern('50%_off\\')).toBe('50\\%\\_off\\\\')
    expect(likePattern('ann')).toBe('ann')
  })
})

describe(parseOrdering.name, () => {
  it('reads a leading minus as descending', () => {
    expect(parseOrdering('-created_at')).toEqual(['created_at', 'desc'])
    expect(parseOrdering('username')).toEqual(['username', 'asc'])
  })
})
