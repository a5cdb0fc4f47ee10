import { describe, expect, it } from 'vitest'

import {
  containsPattern,
  escapeLike,
  listQuerySchema,
  orderingChoiceSchema,
  orderingListSchema,
  orderTerms,
  parseOrdering,
  prefixPattern,
} from './list-query'
import { pageOffset, PageQuerySchema, toPage } from './pagination'

describe(parseOrdering.name, () => {
  it('reads a leading minus as descending, commas as further terms, and skips blanks', () => {
    expect(parseOrdering('-created_at')).toEqual([{ field: 'created_at', direction: 'desc' }])
    expect(parseOrdering('username')).toEqual([{ field: 'username', direction: 'asc' }])
    expect(parseOrdering(' city , -updated_at,,')).toEqual([
      { field: 'city', direction: 'asc' },
      { field: 'updated_at', direction: 'desc' },
    ])
  })
})

describe(orderingListSchema.name, () => {
  const Ordering = orderingListSchema(['city', 'updated_at'])

  it('accepts comma-separated allowed fields in either direction, or nothing', () => {
    expect(Ordering.parse('city,-updated_at')).toBe('city,-updated_at')
    expect(Ordering.parse(undefined)).toBeUndefined()
  })

  it('rejects any field outside the allow-list, and over-long values', () => {
    expect(Ordering.safeParse('city,-password').success).toBe(false)
    expect(Ordering.safeParse('-password').success).toBe(false)
    expect(Ordering.safeParse('city,'.repeat(50)).success).toBe(false)
  })
})

describe(orderingChoiceSchema.name, () => {
  const Ordering = orderingChoiceSchema(['username', '-username', 'created_at'], 'username')

  it('accepts exactly one listed ordering and defaults to the fallback', () => {
    expect(Ordering.parse('-username')).toBe('-username')
    expect(Ordering.parse(undefined)).toBe('username')
    expect(Ordering.safeParse('-created_at').success).toBe(false)
    expect(Ordering.safeParse('username,created_at').success).toBe(false)
  })
})

describe(listQuerySchema.name, () => {
  const Query = listQuerySchema({ ordering: orderingListSchema(['city']), search: 'city' }).strict()

  it('applies the pagination defaults of SPEC section 2 and trims the search', () => {
    expect(Query.parse({})).toEqual({ page: 1, page_size: 20 })
    expect(Query.parse({ page: '2', page_size: '5', search: '  ann ', ordering: '-city' })).toEqual({
      page: 2,
      page_size: 5,
      search: 'ann',
      ordering: '-city',
    })
  })

  it('rejects pages out of range, long searches and (when strict) unknown parameters', () => {
    expect(Query.safeParse({ page_size: '101' }).success).toBe(false)
    expect(Query.safeParse({ page: '0' }).success).toBe(false)
    expect(Query.safeParse({ search: 'x'.repeat(101) }).success).toBe(false)
    expect(Query.safeParse({ sort: 'city' }).success).toBe(false)
  })
})

describe(orderTerms.name, () => {
  const columns = { expiry: ['expiry_year', 'expiry_month'], city: ['city'] }

  it('maps each field to its columns with its direction, in order', () => {
    expect(orderTerms('-expiry,city', columns, 'city')).toEqual([
      { column: 'expiry_year', direction: 'desc' },
      { column: 'expiry_month', direction: 'desc' },
      { column: 'city', direction: 'asc' },
    ])
  })

  it('uses the fallback when no ordering is given', () => {
    expect(orderTerms(undefined, columns, '-city')).toEqual([{ column: 'city', direction: 'desc' }])
    expect(orderTerms('', columns, '-city')).toEqual([{ column: 'city', direction: 'desc' }])
  })

  it('never lets a field outside the map reach SQL', () => {
    expect(orderTerms('password', columns, 'city')).toEqual([])
  })
})

describe('LIKE patterns', () => {
  it('escapes LIKE wildcards and the escape character', () => {
    expect(escapeLike('50%_off\\')).toBe('50\\%\\_off\\\\')
    expect(escapeLike('ann')).toBe('ann')
  })

  it('builds contains and prefix patterns from the escaped text', () => {
    expect(containsPattern('a%b')).toBe('%a\\%b%')
    expect(prefixPattern('12_')).toBe('12\\_%')
  })
})

describe(toPage.name, () => {
  it('answers {count, next, previous, results} with links that keep the other parameters', () => {
    const query = PageQuerySchema.parse({ page: '2', page_size: '2' })
    expect(toPage('/profiles/addresses/?ordering=city&page=2&page_size=2', query, 5, ['c', 'd'])).toEqual({
      count: 5,
      next: '/profiles/addresses/?ordering=city&page=3&page_size=2',
      previous: '/profiles/addresses/?ordering=city&page=1&page_size=2',
      results: ['c', 'd'],
    })
  })

  it('has no next on the last page and no previous on the first', () => {
    const first = toPage('/x/', PageQuerySchema.parse({}), 3, [1, 2, 3])
    expect(first.next).toBeNull()
    expect(first.previous).toBeNull()
  })

  it('points previous at the last page when the page asked for is past the end', () => {
    const query = PageQuerySchema.parse({ page: '9', page_size: '2' })
    expect(toPage('/x/', query, 3, []).previous).toBe('/x/?page=2&page_size=2')
  })
})

describe(pageOffset.name, () => {
  it('turns page and page_size into limit and offset', () => {
    expect(pageOffset({ page: 3, page_size: 20 })).toEqual({ limit: 20, offset: 40 })
  })
})
