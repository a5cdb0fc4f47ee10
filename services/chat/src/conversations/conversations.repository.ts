import type { Role } from '@parley/contracts'
import { type RawBuilder, sql } from 'kysely'

import type { ChatDb, ConversationRow, Executor, MessageRow } from '../db/schema'

export interface ConversationListRow extends ConversationRow {
  role: Role | null
  last_read_seq: number | null
}

export interface NewConversation {
  id: string
  tenantId: string
  type: 'group' | 'channel'
  name: string
  topic: string | null
  isPublic: boolean
  createdBy: string
}

export async function insertConversation(db: Executor, c: NewConversation): Promise<void> {
  await db
    .insertInto('chat.conversations')
    .values({
      id: c.id,
      tenant_id: c.tenantId,
      type: c.type,
      name: c.name,
      topic: c.topic,
      is_public: c.isPublic,
      created_by: c.createdBy,
    })
    .execute()
}

/** The direct conversation with this id, created unless it exists; true when it was created now. */
export async function insertDirectIfMissing(
  db: Executor,
  id: string,
  tenantId: string,
  createdBy: string,
): Promise<boolean> {
  const rows = await db
    .insertInto('chat.conversations')
    .values({ id, tenant_id: tenantId, type: 'direct', created_by: createdBy })
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id')
    .execute()
  return rows.length > 0
}

/** The room of a contact pair (user_a < user_b), if they are contacts. */
export async function contactRoom(db: ChatDb, userA: string, userB: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('chat.contacts')
    .select('room_id')
    .where('user_a', '=', userA)
    .where('user_b', '=', userB)
    .executeTakeFirst()
  return row?.room_id
}

const LIST_ORDER = sql`coalesce(c.last_message_at, c.created_at) desc, c.id desc`

function nameFilter(search: string | undefined): RawBuilder<unknown> {
  return search ? sql`and c.name ilike ${`%${search.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`}` : sql``
}

/** A page of the conversations `userId` belongs to, by last activity, and how many there are. */
export async function listForMember(
  db: ChatDb,
  userId: string,
  tenantId: string,
  q: { search?: string; limit: number; offset: number },
) {
  const base = sql`from chat.conversations c join chat.participants p on p.conversation_id = c.id and p.user_id = ${userId} and p.left_at is null
    where c.tenant_id = ${tenantId} and c.deleted_at is null ${nameFilter(q.search)}`
  return page(db, base, q)
}

/** A page of the tenant's public channels (with the caller's role where they are a member). */
export async function listPublicChannels(
  db: ChatDb,
  userId: string,
  tenantId: string,
  q: { search?: string; limit: number; offset: number },
) {
  const base = sql`from chat.conversations c left join chat.participants p on p.conversation_id = c.id and p.user_id = ${userId} and p.left_at is null
    where c.tenant_id = ${tenantId} and c.type = 'channel' and c.is_public and c.deleted_at is null ${nameFilter(q.search)}`
  return page(db, base, q)
}

async function page(db: ChatDb, base: RawBuilder<unknown>, q: { limit: number; offset: number }) {
  const [count, rows] = await Promise.all([
    sql<{ n: number }>`select count(*)::int as n ${base}`.execute(db),
    sql<ConversationListRow>`select c.*, p.role, p.last_read_seq ${base} order by ${LIST_ORDER} limit ${q.limit} offset ${q.offset}`.execute(
      db,
    ),
  ])
  return { count: count.rows[0].n, rows: rows.rows }
}

/** The last message still standing in each conversation. */
export async function lastMessages(db: ChatDb, conversationIds: string[]): Promise<MessageRow[]> {
  const { rows } = await sql<MessageRow>`select m.* from chat.conversations c
    join chat.messages m on m.conversation_id = c.id and m.seq = (select max(seq) from chat.messages x where x.conversation_id = c.id and x.deleted_at is null)
    where c.id = any(${conversationIds}::uuid[])`.execute(db)
  return rows
}

/** Per conversation: messages from others after `userId`'s read position, and how many of them mention `userId`. */
export async function unreadCounts(
  db: ChatDb,
  userId: string,
  conversationIds: string[],
): Promise<Map<string, { n: number; mentions: number }>> {
  const { rows } = await sql<{
    conversation_id: string
    n: number
    mentions: number
  }>`select p.conversation_id, count(m.id)::int as n, count(m.id) filter (where m.mentions @> array[p.user_id])::int as mentions
    from chat.participants p
    join chat.messages m on m.conversation_id = p.conversation_id and m.seq > p.last_read_seq and m.sender_id <> p.user_id and m.deleted_at is null
    where p.user_id = ${userId} and p.conversation_id = any(${conversationIds}::uuid[]) group by p.conversation_id`.execute(
    db,
  )
  return new Map(rows.map((r) => [r.conversation_id, { n: r.n, mentions: r.mentions }]))
}

export interface ConversationPatch {
  name: string | null
  topic: string | null
  avatar_url: string | null
}

export async function updateConversation(
  db: Executor,
  id: string,
  patch: ConversationPatch,
): Promise<ConversationRow> {
  return db
    .updateTable('chat.conversations')
    .set({ ...patch, updated_at: sql`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow()
}

export async function markDeleted(db: Executor, id: string): Promise<void> {
  await db
    .updateTable('chat.conversations')
    .set({ deleted_at: sql`now()`, updated_at: sql`now()` })
    .where('id', '=', id)
    .execute()
}

/** A direct conversation's read-only flag; false when it already had that value (or is not direct). */
export async function setDirectReadOnly(db: Executor, id: string, readOnly: boolean): Promise<boolean> {
  const row = await db
    .updateTable('chat.conversations')
    .set({ is_read_only: readOnly, updated_at: sql`now()` })
    .where('id', '=', id)
    .where('type', '=', 'direct')
    .where('is_read_only', '<>', readOnly)
    .returning('id')
    .executeTakeFirst()
  return row !== undefined
}
