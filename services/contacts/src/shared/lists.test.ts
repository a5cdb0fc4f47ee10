import { describe, expect, it } from 'vitest'

import { listQuery } from './lists'

describe('listQuery', () => {
  const Query = listQuery(['username', '-username', 'created_at'], 'username')

  it('applies the defaults of SPEC section 2', () => {
    expect(Query.parse({})).toEqual({ page: 1, page_size: 20, ordering: 'username' })
  })

  it('accepts only whitelisted orderings and trims the search', () => {
    expect(Query.parse({ ordering: '-username', search: '  ann ' })).toMatchObject({
      ordering: '-username',
      search: 'ann',
    })
    expect(Query.safeParse({ ordering: 'password_hash' }).success).toBe(false)
    expect(Query.safeParse({ page_size: '101' }).success).toBe(false)
  })
})
