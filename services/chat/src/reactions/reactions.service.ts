import { isUuid, transaction } from '@parley/platform'
import { sql } from 'kysely'
import type { ChatContext } from '../context'
import type { MessageRow, ReactionRow, UserRow } from '../db/rows'
import { requireMember, type Caller } from '../participants/membership'
import { conversationReadOnly, messageNotFound } from '../errors'
import { recordChanges } from '../sync/changes'

async function reactableMessage(ctx: ChatContext, caller: Caller, messageId: string) {
  if (!isUuid(messageId)) throw messageNotFound(messageId)
  const { rows } = await sql<Pick<MessageRow, 'id' | 'conversation_id' | 'deleted_at'>>`select id, conversation_id, deleted_at from chat.messages where id = ${messageId}`.execute(ctx.platform.db)
  const row = rows[0]
  if (!row || row.deleted_at) throw messageNotFound(messageId)
  const m = await requireMember(ctx.platform.db, caller, row.conversation_id).catch(() => {
    throw messageNotFound(messageId)
  })
  return { conversationId: row.conversation_id, m }
}

export async function listReactions(ctx: ChatContext, caller: Caller, messageId: string) {
  await reactableMessage(ctx, caller, messageId)
  const { rows } = await sql<ReactionRow & Pick<UserRow, 'username'>>`select r.user_id, r.emoji, r.created_at, u.username from chat.reactions r
    left join chat.users u on u.id = r.user_id where r.message_id = ${messageId} order by r.created_at, r.user_id`.execute(ctx.platform.db)
  return rows.map((r) => ({ message_id: messageId, user_id: r.user_id, username: r.username ?? null, emoji: r.emoji, created_at: new Date(r.created_at).toISOString() }))
}

/** One reaction per user per emoji: adding twice is a no-op that answers the same reaction. */
export async function addReaction(ctx: ChatContext, caller: Caller, messageId: string, emoji: string) {
  const { conversationId, m } = await reactableMessage(ctx, caller, messageId)
  if (m.conversation.is_read_only) throw conversationReadOnly()
  const added = await transaction(ctx.platform.db, async (tx) => {
    const { rows } = await sql`insert into chat.reactions (message_id, user_id, emoji) values (${messageId}, ${caller.userId}, ${emoji})
      on conflict do nothing returning emoji`.execute(tx.db)
    if (rows[0]) await recordChanges(tx.db, [{ conversationId, type: 'reaction.added', data: { message_id: messageId, user_id: caller.userId, emoji } }])
    return rows.length > 0
  })
  const event = { conversation_id: conversationId, message_id: messageId, user_id: caller.userId, emoji }
  if (added) ctx.hub.toConversation(conversationId, 'reaction_added', event)
  return { added, reaction: event }
}

export async function removeReaction(ctx: ChatContext, caller: Caller, messageId: string, emoji: string) {
  const { conversationId } = await reactableMessage(ctx, caller, messageId)
  const removed = await transaction(ctx.platform.db, async (tx) => {
    const { rows } = await sql`delete from chat.reactions where message_id = ${messageId} and user_id = ${caller.userId} and emoji = ${emoji}
      returning emoji`.execute(tx.db)
    if (rows[0]) await recordChanges(tx.db, [{ conversationId, type: 'reaction.removed', data: { message_id: messageId, user_id: caller.userId, emoji } }])
    return rows.length > 0
  })
  if (!removed) throw messageNotFound(messageId)
  ctx.hub.toConversation(conversationId, 'reaction_removed', { conversation_id: conversationId, message_id: messageId, user_id: caller.userId, emoji })
}
