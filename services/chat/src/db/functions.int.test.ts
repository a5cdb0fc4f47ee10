import { readFileSync } from 'node:fs'

import { type Db, transaction } from '@parley/platform'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type ChatTest, startChat } from '../testing/harness'

const FILE = new URL('./functions.sql', import.meta.url)

/** The statements of functions.sql: each function ends with its `$fn$;` line. */
function statements(text: string): string[] {
  return text
    .split(/^\$fn\$;[ \t]*$/m)
    .map((s) => s.trim())
    .filter((s) => /create or replace function/i.test(s))
    .map((s) => `${s.slice(s.search(/create or replace function/i))}\n$fn$`)
}

/** The chat schema's own functions (not an extension's) as the database prints them. */
async function definitions(db: Db | Parameters<Parameters<typeof transaction>[1]>[0]['db']) {
  const { rows } = await sql<{
    name: string
    def: string
  }>`select p.oid::regprocedure::text as name, pg_get_functiondef(p.oid) as def
    from pg_proc p
    where p.pronamespace = 'chat'::regnamespace
      and not exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
    order by 1`.execute(db)
  return rows
}

/**
 * db/functions.sql is the readable, current text of every chat SQL function. What the migrations
 * leave in the database must be exactly what that file defines, on whichever engine the run uses:
 * the file is run over the migrated database in a transaction that is rolled back, and the
 * database's own definitions (pg_get_functiondef) must not change, nor their set.
 */
describe('db/functions.sql', () => {
  let c: ChatTest

  beforeAll(async () => {
    c = await startChat()
  })
  afterAll(() => c?.close())

  it('defines every chat function, exactly as the migrations left it', async () => {
    const db = c.t.platform.db
    const migrated = await definitions(db)
    const file = readFileSync(FILE, 'utf8')
    const declared = [...file.matchAll(/^create or replace function ([\w.]+)\(/gim)].map((m) => m[1]).sort()
    expect(declared).toEqual([...new Set(migrated.map((f) => f.name.slice(0, f.name.indexOf('('))))].sort())

    const rolledBack = new Error('roll back')
    let fromFile: typeof migrated = []
    await transaction(db, async (tx) => {
      for (const statement of statements(file)) await sql.raw(statement).execute(tx.db)
      fromFile = await definitions(tx.db)
      throw rolledBack
    }).catch((err) => {
      if (err !== rolledBack) throw err
    })
    expect(fromFile).toEqual(migrated)
  })
})
