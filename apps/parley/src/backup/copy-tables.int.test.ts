import { type Database, openDatabase } from '@parley/platform'
import { createTestDatabase } from '@parley/platform/testing'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { assertEmptyTarget, copySchemas } from './copy-tables'

/*
 * The logical copy on its own: an embedded source and an empty target (PGlite in memory, or a
 * scratch PostgreSQL database when DATABASE_URL is set), with the awkward types and orderings.
 */

const SCHEMA = `
  create schema shop;
  create table shop.parents (id uuid primary key, at timestamptz not null, doc jsonb not null, raw bytea, price numeric(12, 4), tags text[]);
  create table shop.children (id bigserial primary key, parent_id uuid not null references shop.parents (id), note text);
  create table shop.changes (id bigserial primary key, xid xid8 not null default pg_current_xact_id(), data text not null);
  create table shop.migrations (name varchar(255) primary key, timestamp varchar(255) not null)
`

async function createSchema(db: Database) {
  for (const statement of SCHEMA.split(';')
    .map((s) => s.trim())
    .filter(Boolean))
    await sql.raw(statement).execute(db.db)
}

describe('copySchemas', () => {
  let source: Database
  let target: { database: Database; drop(): Promise<void> }

  beforeAll(async () => {
    source = await openDatabase({ maintenance: false })
    target = await createTestDatabase()
    await createSchema(source)
    await sql`insert into shop.parents values ('00000000-0000-4000-8000-000000000001', '2026-12-03 10:00:00.123456+00', '{"a": [1, "x"], "b": null}', '\\x00ff10', 12.3456, '{"a,b", null, "c\\"d"}')`.execute(
      source.db,
    )
    await sql`insert into shop.children (parent_id, note) values ('00000000-0000-4000-8000-000000000001', 'one'), ('00000000-0000-4000-8000-000000000001', null)`.execute(
      source.db,
    )
    // Committed in this order, with ids in the other: the sync log is read by (xid, id).
    await sql`insert into shop.changes (id, data) values (10, 'first committed')`.execute(source.db)
    await sql`insert into shop.changes (id, data) values (5, 'second committed')`.execute(source.db)
    await sql`select setval('shop.changes_id_seq', 10)`.execute(source.db)
    await sql`insert into shop.migrations values ('m1', 'source')`.execute(source.db)
  })

  afterAll(async () => {
    await source?.close()
    await target?.drop()
  })

  it('refuses a target with tables, and accepts an empty one', async () => {
    await expect(assertEmptyTarget(target.database.db, ['shop'])).resolves.toBeUndefined()
    await expect(assertEmptyTarget(source.db, ['shop'])).rejects.toThrow(/not empty \(it has shop\./)
  })

  it('copies every value exactly, keeps the commit order of xid-ordered tables and continues the sequences', async () => {
    const db = target.database.db
    await createSchema(target.database)
    await sql`insert into shop.migrations values ('m1', 'target')`.execute(db)
    await sql`insert into shop.parents values ('00000000-0000-4000-8000-000000000009', now(), '{}', null, null, null)`.execute(
      db,
    )

    // The target's transaction ids run ahead of the source's, as on any busy server.
    for (let i = 0; i < 50; i++) await sql`select pg_current_xact_id()`.execute(db)
    const { rows: before } = await sql<{ xid: string }>`select pg_current_xact_id()::text as xid`.execute(db)
    const counts = await copySchemas(source.db, db, ['shop'])
    expect(counts).toEqual({ 'shop.parents': 1, 'shop.children': 2, 'shop.changes': 2 })

    const { rows: parents } = await sql<
      Record<string, string>
    >`select id::text, at::text, doc::text, raw::text, price::text, tags::text from shop.parents`.execute(db)
    expect(parents).toEqual([
      {
        id: '00000000-0000-4000-8000-000000000001',
        at: '2026-12-03 10:00:00.123456+00',
        doc: '{"a": [1, "x"], "b": null}',
        raw: '\\x00ff10',
        price: '12.3456',
        tags: '{"a,b",NULL,"c\\"d"}',
      },
    ])
    // The migrator's own table is left to the migrator.
    expect(
      (await sql<{ timestamp: string }>`select timestamp from shop.migrations`.execute(db)).rows,
    ).toEqual([{ timestamp: 'target' }])
    const { rows: changes } = await sql<{
      data: string
    }>`select data from shop.changes order by xid, id`.execute(db)
    expect(changes.map((c) => c.data)).toEqual(['first committed', 'second committed'])
    // Their xids are the target's own (the source's would mean nothing there, and could lie in its future).
    const { rows: foreign } = await sql<{
      n: number
    }>`select count(*)::int as n from shop.changes where xid <= ${before[0].xid}::xid8`.execute(db)
    expect(foreign[0].n).toBe(0)
    // New rows continue after the copied ones, never reusing an id.
    const { rows: child } = await sql<{
      id: number
    }>`insert into shop.children (parent_id) values ('00000000-0000-4000-8000-000000000001') returning id`.execute(
      db,
    )
    expect(Number(child[0].id)).toBe(3)
    const { rows: change } = await sql<{
      id: number
    }>`insert into shop.changes (data) values ('after') returning id`.execute(db)
    expect(Number(change[0].id)).toBe(11)
  })
})
