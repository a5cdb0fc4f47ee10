import type { Db } from '@parley/platform'
import { CompiledQuery, sql } from 'kysely'

import { BackupError } from './manifest'

/*
 * A logical copy of the service schemas from the embedded database to PostgreSQL. Both sides
 * have been migrated by the same code first, so the tables match; every value goes through its
 * text form (`col::text` on the source, `$n::text[]` cast back to the column's type on the
 * target), which is lossless for every PostgreSQL type, microseconds and jsonb included.
 */

const BATCH = 1000
/** Kept by the migrator on each side, not copied. */
const MIGRATOR_TABLES = new Set(['migrations', 'migrations_lock'])

interface Column {
  name: string
  type: string
  /** Owns a sequence (bigserial). */
  serial: boolean
  generated: boolean
  identityAlways: boolean
}

/** True when the target has no table outside PostgreSQL's own schemas and none of ours exists. */
export async function assertEmptyTarget(target: Db, schemas: string[]): Promise<void> {
  const { rows } = await sql<{
    name: string
  }>`(select n.nspname || '.' || c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_' limit 3)
    union all (select nspname as name from pg_namespace where nspname in (${sql.join(schemas)}))`.execute(
    target,
  )
  if (rows.length) {
    throw new BackupError(
      `The target database is not empty (it has ${[...new Set(rows.map((r) => r.name))].slice(0, 3).join(', ')}). Restore and migrate only into an empty database: create a new one (createdb) and point the URL at it.`,
    )
  }
}

/** Copies every table of `schemas`, parents before children; answers the row count per table. */
export async function copySchemas(
  source: Db,
  target: Db,
  schemas: string[],
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (const schema of schemas) {
    const tables = await tablesInOrder(target, schema)
    // Migrations may have seeded rows (secrets, defaults): the source's own rows replace them.
    if (tables.length)
      await sql.raw(`truncate ${tables.map((t) => qualified(schema, t)).join(', ')} cascade`).execute(target)
    for (const table of tables) counts[`${schema}.${table}`] = await copyTable(source, target, schema, table)
    await copySequences(source, target, schema)
  }
  return counts
}

async function copyTable(source: Db, target: Db, schema: string, table: string): Promise<number> {
  const sourceColumns = await columnsOf(source, schema, table)
  const targetColumns = await columnsOf(target, schema, table)
  const names = (cs: Column[]) =>
    cs
      .map((c) => c.name)
      .sort()
      .join(',')
  if (names(sourceColumns) !== names(targetColumns)) {
    throw new BackupError(
      `${schema}.${table} differs between the backup and this Parley after migrating both; cannot copy it.`,
    )
  }
  // @NOTE Transaction ids (xid8) belong to the source's cluster and mean nothing on the target.
  // A table ordered by them (chat.changes, the sync log: cursor = (xid, id)) is re-inserted in
  // that order with the target's own xid and new serial ids, so the order survives.
  const xidColumns = targetColumns.filter((c) => c.type === 'xid8' || c.type === 'xid')
  const renumbered = xidColumns.length > 0
  const copied = targetColumns.filter(
    (c) => !c.generated && !(renumbered && (c.serial || xidColumns.includes(c))),
  )
  const order = renumbered
    ? [...xidColumns, ...targetColumns.filter((c) => c.serial)].map((c) => quote(c.name)).join(', ')
    : ''
  const overriding = copied.some((c) => c.identityAlways) ? ' overriding system value' : ''
  const insert = `insert into ${qualified(schema, table)} (${copied.map((c) => quote(c.name)).join(', ')})${overriding}
    select ${copied.map((c, i) => `u.c${i}::${c.type}`).join(', ')}
    from unnest(${copied.map((_, i) => `$${i + 1}::text[]`).join(', ')}) as u(${copied.map((_, i) => `c${i}`).join(', ')})`
  let total = 0
  await source.transaction().execute(async (trx) => {
    await sql
      .raw(
        `declare parley_copy no scroll cursor for select ${copied.map((c) => `${quote(c.name)}::text`).join(', ')}
        from ${qualified(schema, table)}${order ? ` order by ${order}` : ''}`,
      )
      .execute(trx)
    for (;;) {
      const { rows } = await sql
        .raw<Record<string, string | null>>(`fetch ${BATCH} from parley_copy`)
        .execute(trx)
      if (rows.length === 0) break
      const columnsData = copied.map((c) => rows.map((r) => r[c.name]))
      await target.executeQuery(CompiledQuery.raw(insert, columnsData))
      total += rows.length
      if (rows.length < BATCH) break
    }
    await sql`close parley_copy`.execute(trx)
  })
  return total
}

/** Each sequence of the schema continues after the largest of the source's position and the copied ids. */
async function copySequences(source: Db, target: Db, schema: string) {
  const { rows } = await sql<{
    seq: string
    tbl: string
    col: string
  }>`select s.relname as seq, t.relname as tbl, a.attname as col
    from pg_class s join pg_namespace n on n.oid = s.relnamespace
    join pg_depend d on d.objid = s.oid and d.classid = 'pg_class'::regclass and d.deptype in ('a', 'i')
    join pg_class t on t.oid = d.refobjid join pg_attribute a on a.attrelid = t.oid and a.attnum = d.refobjsubid
    where s.relkind = 'S' and n.nspname = ${schema}`.execute(target)
  for (const { seq, tbl, col } of rows) {
    const { rows: src } = await sql
      .raw<{ last: number | null }>(
        `select case when is_called then last_value else null end::bigint as last from ${qualified(schema, seq)}`,
      )
      .execute(source)
    const { rows: max } = await sql
      .raw<{ max: number | null }>(`select max(${quote(col)})::bigint as max from ${qualified(schema, tbl)}`)
      .execute(target)
    const next = Math.max(Number(src[0]?.last ?? 0), Number(max[0]?.max ?? 0))
    if (next > 0)
      await sql`select setval(${`${quote(schema)}.${quote(seq)}`}::regclass, ${next}::bigint, true)`.execute(
        target,
      )
  }
}

async function columnsOf(db: Db, schema: string, table: string): Promise<Column[]> {
  const { rows } = await sql<{
    name: string
    type: string
    serial: boolean
    generated: string
    identity: string
  }>`select a.attname as name,
      format_type(a.atttypid, a.atttypmod) as type,
      pg_get_serial_sequence(quote_ident(n.nspname) || '.' || quote_ident(c.relname), a.attname) is not null as serial,
      a.attgenerated::text as generated, a.attidentity::text as identity
    from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = ${schema} and c.relname = ${table} and a.attnum > 0 and not a.attisdropped
    order by a.attnum`.execute(db)
  return rows.map((r) => ({
    name: r.name,
    type: r.type,
    serial: r.serial,
    generated: r.generated !== '',
    identityAlways: r.identity === 'a',
  }))
}

/** The schema's tables, each after the tables its foreign keys point to. */
async function tablesInOrder(db: Db, schema: string): Promise<string[]> {
  const { rows: tables } = await sql<{
    name: string
  }>`select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = ${schema} and c.relkind in ('r', 'p') order by c.relname`.execute(db)
  const { rows: edges } = await sql<{
    child: string
    parent: string
  }>`select c.relname as child, p.relname as parent
    from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_class p on p.oid = k.confrelid
    join pg_namespace n on n.oid = c.relnamespace
    where k.contype = 'f' and n.nspname = ${schema} and k.conrelid <> k.confrelid`.execute(db)
  const pending = new Set(tables.map((t) => t.name).filter((t) => !MIGRATOR_TABLES.has(t)))
  const ordered: string[] = []
  while (pending.size) {
    const ready = [...pending].filter((t) => !edges.some((e) => e.child === t && pending.has(e.parent)))
    if (ready.length === 0)
      throw new BackupError(`The tables of ${schema} reference each other in a cycle; cannot order the copy.`)
    for (const t of ready) {
      ordered.push(t)
      pending.delete(t)
    }
  }
  return ordered
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

function qualified(schema: string, name: string): string {
  return `${quote(schema)}.${quote(name)}`
}
