import type { ReactionSummaryWire } from '@parley/contracts'
import { sql } from 'kysely'

import type { ChatDb, Executor, MessageRow, ReactionRow, UserRow } from '../db/schema'

/** The message a reaction is about (deleted ones included, so the caller can refuse them). */
export async function reactionTarget(
  db: ChatDb,
  messageId: string,
): Promise<Pick<MessageRow, 'id' | 'conversation_id' | 'deleted_at'> | undefined> {
  return db
    .selectFrom('chat.messages')
    .select(['id', 'conversation_id', 'deleted_at'])
    .where('id', '=', messageId)
    .executeTakeFirst()
}

export async function reactionsOf(
  db: ChatDb,
  messageId: string,
): Promise<Array<ReactionRow & Pick<UserRow, 'username'>>> {
  return db
    .selectFrom('chat.reactions as r')
    .leftJoin('chat.users as u', 'u.id', 'r.user_id')
    .select(['r.message_id', 'r.user_id', 'r.emoji', 'r.created_at', 'u.username'])
    .where('r.message_id', '=', messageId)
    .orderBy('r.created_at')
    .orderBy('r.user_id')
    .execute()
}

/** Reactions per message and emoji (count and who, oldest first), for a page of messages. */
export async function reactionSummaries(
  db: ChatDb,
  messageIds: string[],
): Promise<Map<string, ReactionSummaryWire[]>> {
  const { rows } = await sql<{
    message_id: string
    emoji: string
    count: number
    user_ids: string[]
  }>`select message_id, emoji, count(*)::int as count, array_agg(user_id::text order by created_at) as user_ids
    from chat.reactions where message_id = any(${messageIds}::uuid[]) group by message_id, emoji order by min(created_at)`.execute(
    db,
  )
  const out = new Map<string, ReactionSummaryWire[]>()
  for (const r of rows) {
    const list = out.get(r.message_id) ?? []
    list.push({ emoji: r.emoji, count: r.count, user_ids: r.user_ids })
    out.set(r.message_id, list)
  }
  return out
}

/** False when the user had already reacted with this emoji. */
export async function insertReaction(
  db: Executor,
  messageId: string,
  userId: string,
  emoji: string,
): Promise<boolean> {
  const row = await db
    .insertInto('chat.reactions')
    .values({ message_id: messageId, user_id: userId, emoji })
    .onConflict((oc) => oc.doNothing())
    .returning('emoji')
    .executeTakeFirst()
  return row !== undefined
}

export async function deleteReaction(
  db: Executor,
  messageId: string,
  userId: string,
  emoji: string,
): Promise<boolean> {
  const row = await db
    .deleteFrom('chat.reactions')
    .where('message_id', '=', messageId)
    .where('user_id', '=', userId)
    .where('emoji', '=', emoji)
    .returning('emoji')
    .executeTakeFirst()
  return row !== undefined
}

/** A deleted message loses its reactions. */
export async function deleteReactionsOf(db: Executor, messageId: string): Promise<void> {
  await db.deleteFrom('chat.reactions').where('message_id', '=', messageId).execute()
}
