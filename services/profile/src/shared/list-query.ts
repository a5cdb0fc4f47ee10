import { PageQuerySchema } from '@parley/platform'
import { z } from 'zod'

export interface OrderTerm {
  column: string
  direction: 'asc' | 'desc'
}

/**
 * `?page=&page_size=&search=&ordering=` for one list (SPEC section 2). `ordering` is a
 * comma-separated list of whitelisted fields, each optionally prefixed with `-` for descending.
 */
export function listQuerySchema(options: { orderingFields: readonly string[]; searchFields: readonly string[] }) {
  const allowed = new Set(options.orderingFields)
  return PageQuerySchema.extend({
    search: z
      .string()
      .trim()
      .max(100)
      .optional()
      .describe(`Case-insensitive substring match on ${options.searchFields.join(', ')}`),
    ordering: z
      .string()
      .max(200)
      .optional()
      .refine((value) => value === undefined || parseOrderingFields(value).every((f) => allowed.has(f)), {
        message: `Order by any of ${options.orderingFields.join(', ')}, comma-separated, '-' for descending.`,
      })
      .describe(`Comma-separated fields (${options.orderingFields.join(', ')}), '-' prefix for descending`),
  }).strict()
}

function parseOrderingFields(value: string): string[] {
  return splitOrdering(value).map((term) => term.replace(/^-/, ''))
}

function splitOrdering(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
}

/**
 * Turns a validated `ordering` value into SQL order terms through a whitelist that maps each
 * wire field to its columns; `fallback` applies when none is given. Callers add a unique
 * tie-breaker so pages never overlap.
 */
export function orderTerms(value: string | undefined, columns: Record<string, string[]>, fallback: string): OrderTerm[] {
  const terms = splitOrdering(value || fallback)
  return terms.flatMap((term) => {
    const direction = term.startsWith('-') ? 'desc' : 'asc'
    return (columns[term.replace(/^-/, '')] ?? []).map((column) => ({ column, direction }) as OrderTerm)
  })
}

/** A LIKE pattern matching `text` anywhere, with LIKE's wildcards taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
}
