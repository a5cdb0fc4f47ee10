import { sql, type SelectQueryBuilder } from 'kysely'
import { likePattern, parseOrdering, type ListOptions } from './lists'

/**
 * Counts and pages a joined query. `fields` maps each public ordering field to its column;
 * `tiebreak` keeps pages stable when the sort column has equal values.
 */
export async function pageRows(
  base: SelectQueryBuilder<any, any, any>,
  options: ListOptions & { columns: string[]; fields: Record<string, string>; tiebreak: string },
): Promise<{ count: number; rows: Record<string, any>[] }> {
  const { n } = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  const [field, direction] = parseOrdering(options.ordering)
  const column = options.fields[field]
  if (!column) throw new Error(`ordering ${options.ordering} is not whitelisted`)
  const rows = await base
    .select(options.columns as any)
    .orderBy(sql`${sql.ref(column)} ${sql.raw(direction)} nulls last`)
    .orderBy(sql.ref(options.tiebreak), direction)
    .limit(options.limit)
    .offset(options.offset)
    .execute()
  return { count: Number(n), rows }
}

/** Restricts a query to rows whose person (username or person_id columns) matches `search`. */
export function whereSearch<QB extends SelectQueryBuilder<any, any, any>>(
  qb: QB,
  search: string | undefined,
  alias: string,
): QB {
  if (!search) return qb
  const pattern = likePattern(search)
  return qb.where((eb) =>
    eb.or([eb(`${alias}.username`, 'ilike', `%${pattern}%`), eb(`${alias}.person_id`, 'like', `${pattern}%`)]),
  ) as QB
}
