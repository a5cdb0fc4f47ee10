import { listQuerySchema, orderingChoiceSchema } from '@parley/platform'

/**
 * The query of a contacts list endpoint: the platform's list query, with one whitelisted
 * `?ordering=` (a field name, `-` for descending) and a `?search=` on the other person.
 * @example listQuery(['username', '-username', 'created_at', '-created_at'], 'username')
 */
export function listQuery<const O extends readonly [string, ...string[]]>(orderings: O, fallback: O[number]) {
  return listQuerySchema({
    ordering: orderingChoiceSchema(orderings, fallback),
    search: "Matches the other person's username (case-insensitive substring) or person_id (prefix).",
  })
}

export interface ListOptions {
  limit: number
  offset: number
  search?: string
  ordering: string
}
