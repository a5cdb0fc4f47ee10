import { z } from 'zod'

import { PageQuerySchema } from './pagination'

/**
 * The query grammar of list endpoints (SPEC section 2), written once for every service:
 * `?page=&page_size=` (see pagination.ts), `?search=` and `?ordering=a,-b` over an allow-list.
 */

export type SortDirection = 'asc' | 'desc'

export interface OrderingTerm {
  field: string
  direction: SortDirection
}

/** A sort over SQL columns, in the order the terms apply. */
export interface OrderTerm {
  column: string
  direction: SortDirection
}

/**
 * Reads the ordering grammar: comma-separated fields, each with an optional `-` for descending.
 * @example parseOrdering('city,-updated_at') // [{ field: 'city', direction: 'asc' }, { field: 'updated_at', direction: 'desc' }]
 */
export function parseOrdering(value: string): OrderingTerm[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((term) =>
      term.startsWith('-') ? { field: term.slice(1), direction: 'desc' } : { field: term, direction: 'asc' },
    )
}

/**
 * `?ordering=` as a comma-separated list of allowed fields (`city,-updated_at`); optional, so the
 * service applies its own default through `orderTerms`.
 */
export function orderingListSchema(fields: readonly string[]) {
  const allowed = new Set(fields)
  return z
    .string()
    .max(200)
    .optional()
    .refine((value) => value === undefined || parseOrdering(value).every((t) => allowed.has(t.field)), {
      message: `Order by any of ${fields.join(', ')}, comma-separated, '-' for descending.`,
    })
    .describe(`Comma-separated fields (${fields.join(', ')}), '-' prefix for descending`)
}

/**
 * `?ordering=` as exactly one of `orderings` (each written with its `-` when descending is
 * allowed), `fallback` when absent.
 * @example orderingChoiceSchema(['username', '-username', 'created_at', '-created_at'], 'username')
 */
export function orderingChoiceSchema<const O extends readonly [string, ...string[]]>(
  orderings: O,
  fallback: O[number],
) {
  return z
    .enum(orderings)
    .default(fallback as never)
    .describe(`Sort field; prefix with - for descending. Default ${fallback}.`)
}

/** `?search=`: trimmed, at most 100 characters; `description` says what it matches. */
export function searchSchema(description: string) {
  return z.string().trim().max(100).optional().describe(description)
}

/**
 * The query of a list endpoint: pagination, `search` and an `ordering` built with
 * `orderingListSchema` or `orderingChoiceSchema`.
 */
export function listQuerySchema<O extends z.ZodType>(options: { ordering: O; search: string }) {
  return PageQuerySchema.extend({ search: searchSchema(options.search), ordering: options.ordering })
}

/**
 * Turns a validated `ordering` value into SQL order terms through an allow-list that maps each
 * wire field to its columns; `fallback` applies when none is given. Callers add a unique
 * tie-breaker so pages never overlap.
 */
export function orderTerms(
  value: string | undefined,
  columns: Record<string, readonly string[]>,
  fallback: string,
): OrderTerm[] {
  return parseOrdering(value || fallback).flatMap(({ field, direction }) =>
    (columns[field] ?? []).map((column) => ({ column, direction })),
  )
}

/** Escapes LIKE wildcards (and the escape character) so `50%_off` matches those characters literally. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`)
}

/** A LIKE pattern matching `text` anywhere, with LIKE's wildcards taken literally. */
export function containsPattern(text: string): string {
  return `%${escapeLike(text)}%`
}

/** A LIKE pattern matching values that start with `text`, with LIKE's wildcards taken literally. */
export function prefixPattern(text: string): string {
  return `${escapeLike(text)}%`
}
