import type { Db } from '@parley/platform'

import { SCHEMA } from '../db/schema'
import { type Identity, identityColumns, identityFrom } from '../identity/identity.repository'
import type { ListOptions } from '../shared/lists'
import { columnsOf, pageRows, whereSearch } from '../shared/paging'

type Q = Db
type Row = Record<string, unknown>

export interface Block {
  blockerId: string
  blockedId: string
  tenantId: string
  createdAt: Date
}

function blockFrom(row: Row): Block {
  return {
    blockerId: row.blocker_id as string,
    blockedId: row.blocked_id as string,
    tenantId: row.tenant_id as string,
    createdAt: new Date(row.created_at as Date),
  }
}

/** Which of two people blocked the other (both may have). */
export async function blocksBetween(
  db: Q,
  me: string,
  other: string,
): Promise<{ iBlocked: boolean; theyBlocked: boolean }> {
  const rows = await db
    .withSchema(SCHEMA)
    .selectFrom('blocks')
    .select(['blocker_id'])
    .where((eb) =>
      eb.or([
        eb.and([eb('blocker_id', '=', me), eb('blocked_id', '=', other)]),
        eb.and([eb('blocker_id', '=', other), eb('blocked_id', '=', me)]),
      ]),
    )
    .execute()
  return {
    iBlocked: rows.some((r) => r.blocker_id === me),
    theyBlocked: rows.some((r) => r.blocker_id === other),
  }
}

export async function findBlock(db: Q, blockerId: string, blockedId: string): Promise<Block | undefined> {
  const row = await db
    .withSchema(SCHEMA)
    .selectFrom('blocks')
    .selectAll()
    .where('blocker_id', '=', blockerId)
    .where('blocked_id', '=', blockedId)
    .executeTakeFirst()
  return row ? blockFrom(row) : undefined
}

export async function insertBlock(db: Q, block: Omit<Block, 'createdAt'>): Promise<Block> {
  const row = await db
    .withSchema(SCHEMA)
    .insertInto('blocks')
    .values({ blocker_id: block.blockerId, blocked_id: block.blockedId, tenant_id: block.tenantId })
    .returningAll()
    .executeTakeFirstOrThrow()
  return blockFrom(row)
}

export async function deleteBlock(db: Q, blockerId: string, blockedId: string): Promise<boolean> {
  const rows = await db
    .withSchema(SCHEMA)
    .deleteFrom('blocks')
    .where('blocker_id', '=', blockerId)
    .where('blocked_id', '=', blockedId)
    .returning('blocker_id')
    .execute()
  return rows.length > 0
}

export const BLOCK_ORDERINGS = [
  'created_at',
  '-created_at',
  'username',
  '-username',
  'person_id',
  '-person_id',
] as const

/** The people I blocked. */
export async function listBlocks(
  db: Q,
  tenantId: string,
  blockerId: string,
  options: ListOptions,
): Promise<{ count: number; rows: Array<{ block: Block; blocked: Identity }> }> {
  const base = whereSearch(
    db
      .withSchema(SCHEMA)
      .selectFrom('blocks as b')
      .innerJoin('identities as o', 'o.user_id', 'b.blocked_id')
      .where('b.tenant_id', '=', tenantId)
      .where('b.blocker_id', '=', blockerId),
    options.search,
    'o',
  )
  const { count, rows } = await pageRows(base, {
    ...options,
    columns: [
      ...columnsOf('b', ['blocker_id', 'blocked_id', 'tenant_id', 'created_at']),
      ...identityColumns('o', 'o_'),
    ],
    fields: { created_at: 'b.created_at', username: 'o.username', person_id: 'o.person_id' },
    tiebreak: 'b.blocked_id',
  })
  return { count, rows: rows.map((row) => ({ block: blockFrom(row), blocked: identityFrom(row, 'o_') })) }
}
