import { z } from 'zod'

/** `?page=&page_size=` (SPEC section 2): default 20, max 100. */
export const PageQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(100).default(20),
})
export type PageQuery = z.infer<typeof PageQuerySchema>

/** The page envelope `{count, next, previous, results}` for a result schema. */
export function pageOf<T extends z.ZodTypeAny>(item: T) {
  return z.object({
    count: z.number().int(),
    next: z.string().nullable(),
    previous: z.string().nullable(),
    results: z.array(item),
  })
}

export interface Page<T> {
  count: number
  next: string | null
  previous: string | null
  results: T[]
}

/** Builds the page envelope with absolute next/previous links that keep the other query params. */
export function toPage<T>(url: string, query: PageQuery, count: number, results: T[]): Page<T> {
  const link = (page: number) => {
    const u = new URL(url, 'http://local')
    u.searchParams.set('page', String(page))
    u.searchParams.set('page_size', String(query.page_size))
    return `${u.pathname}${u.search}`
  }
  const last = Math.max(1, Math.ceil(count / query.page_size))
  return {
    count,
    next: query.page < last ? link(query.page + 1) : null,
    previous: query.page > 1 ? link(Math.min(query.page - 1, last)) : null,
    results,
  }
}

export function pageOffset(query: PageQuery): { limit: number; offset: number } {
  return { limit: query.page_size, offset: (query.page - 1) * query.page_size }
}
