import { containsPattern, parseOrdering, prefixPattern } from '@parley/platform'
import { type SelectQueryBuilder, sql } from 'kysely'

import type { ListOptions } from './lists'

/** A column to select and the name it gets in the row (`['o.username', 'o_username']`). */
export type ColumnAlias = [column: string, alias: string]

/**
 * Counts and pages a joined query. `fields` maps each public ordering field to its column;
 * `tiebreak` keeps pages stable when the sort column has equal values.
 */
export async function pageRows<DB, TB extends keyof DB, O>(
  base: SelectQueryBuilder<DB, TB, O>,
  options: ListOptions & { columns: ColumnAlias[]; fields: Record<string, string>; tiebreak: string },
): Promise<{ count: number; rows: Array<Record<string, unknown>> }> {
  const counted = await base.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()
  const [{ field, direction }] = parseOrdering(options.ordering)
  const column = options.fields[field]
  if (!column) throw new Error(`ordering ${options.ordering} is not whitelisted`)
  const rows = await base
    .select(options.columns.map(([c, alias]) => sql.ref(c).as(alias)))
    .orderBy(sql`${sql.ref(column)} ${sql.raw(direction)} nulls last`)
    .orderBy(sql`${sql.ref(options.tiebreak)} ${sql.raw(direction)}`)
    .limit(options.limit)
    .offset(options.offset)
    .execute()
  return { count: Number((counted as unknown as { n: number | string }).n), rows: rows }
}

/** Restricts a query to rows whose person (`alias`.username or `alias`.person_id) matches `search`. */
export function whereSearch<DB, TB extends keyof DB, O>(
  qb: SelectQueryBuilder<DB, TB, O>,
  search: string | undefined,
  alias: string,
): SelectQueryBuilder<DB, TB, O> {
  if (!search) return qb
  return qb.where(
    sql<boolean>`(${sql.ref(`${alias}.username`)} ilike ${containsPattern(search)} or ${sql.ref(`${alias}.person_id`)} like ${prefixPattern(search)})`,
  )
}

/** Columns of one table selected under their own names: `columnsOf('c', ['room_id'])`. */
export function columnsOf(alias: string, names: readonly string[]): ColumnAlias[] {
  return names.map((n) => [`${alias}.${n}`, n])
}
