import { PageQuerySchema } from '@parley/platform'
import { z } from 'zod'

/**
 * The query of a list endpoint: SPEC section 2's pagination plus `?search=` and a whitelisted
 * `?ordering=` (a field name, `-` for descending).
 * @example listQuery(['username', '-username', 'created_at', '-created_at'], 'username')
 */
export function listQuery<const O extends readonly [string, ...string[]]>(orderings: O, fallback: O[number]) {
  return PageQuerySchema.extend({
    search: z
      .string()
      .trim()
      .max(100)
      .optional()
      .describe("Matches the other person's username (case-insensitive substring) or person_id (prefix)."),
    ordering: z
      .enum(orderings)
      .default(fallback as never)
      .describe(`Sort field; prefix with - for descending. Default ${fallback}.`),
  })
}

export interface ListOptions {
  limit: number
  offset: number
  search?: string
  ordering: string
}

/** Escapes LIKE wildcards so a search for `50%_off` matches those characters literally. */
export function likePattern(term: string): string {
  return term.replace(/[\\%_]/g, (c) => `\\${c}`)
}

/** `-created_at` → `['created_at', 'desc']`. */
export function parseOrdering(ordering: string): [field: string, direction: 'asc' | 'desc'] {
  return ordering.startsWith('-') ? [ordering.slice(1), 'desc'] : [ordering, 'asc']
}
