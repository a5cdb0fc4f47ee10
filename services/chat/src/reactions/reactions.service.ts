import { isUuid, transaction } from '@parley/platform'

import type { ChatDb } from '../db/schema'
import { conversationReadOnly, messageNotFound } from '../errors'
import { type Caller, requireMember } from '../participants/membership'
import type { RealtimeHub } from '../realtime/hub'
import { recordChanges } from '../sync/sync.repository'
import { deleteReaction, insertReaction, reactionsOf, reactionTarget } from './reactions.repository'

/** What the reactions service uses. */
export interface ReactionsDeps {
  db: ChatDb
  hub: RealtimeHub
}

async function reactableMessage(deps: ReactionsDeps, caller: Caller, messageId: string) {
  if (!isUuid(messageId)) throw messageNotFound(messageId)
  const row = await reactionTarget(deps.db, messageId)
  if (!row || row.deleted_at) throw messageNotFound(messageId)
  const m = await requireMember(deps.db, caller, row.conversation_id).catch(() => {
    throw messageNotFound(messageId)
  })
  return { conversationId: row.conversation_id, m }
}

export async function listReactions(deps: ReactionsDeps, caller: Caller, messageId: string) {
  await reactableMessage(deps, caller, messageId)
  const rows = await reactionsOf(deps.db, messageId)
  return rows.map((r) => ({
    message_id: messageId,
    user_id: r.user_id,
    username: r.username ?? null,
    emoji: r.emoji,
    created_at: new Date(r.created_at).toISOString(),
  }))
}

/** One reaction per user per emoji: adding twice is a no-op that answers the same reaction. */
export async function addReaction(deps: ReactionsDeps, caller: Caller, messageId: string, emoji: string) {
  const { conversationId, m } = await reactableMessage(deps, caller, messageId)
  if (m.conversation.is_read_only) throw conversationReadOnly()
  const added = await transaction(deps.db, async (tx) => {
    const inserted = await insertReaction(tx.db, messageId, caller.userId, emoji)
    if (inserted)
      await recordChanges(tx.db, [
        {
          conversationId,
          type: 'reaction.added',
          data: { message_id: messageId, user_id: caller.userId, emoji },
        },
      ])
    return inserted
  })
  const event = { conversation_id: conversationId, message_id: messageId, user_id: caller.userId, emoji }
  if (added) deps.hub.toConversation(conversationId, 'reaction_added', event, caller.userId)
  return { added, reaction: event }
}

export async function removeReaction(deps: ReactionsDeps, caller: Caller, messageId: string, emoji: string) {
  const { conversationId } = await reactableMessage(deps, caller, messageId)
  const removed = await transaction(deps.db, async (tx) => {
    const deleted = await deleteReaction(tx.db, messageId, caller.userId, emoji)
    if (deleted)
      await recordChanges(tx.db, [
        {
          conversationId,
          type: 'reaction.removed',
          data: { message_id: messageId, user_id: caller.userId, emoji },
        },
      ])
    return deleted
  })
  if (!removed) throw messageNotFound(messageId)
  deps.hub.toConversation(
    conversationId,
    'reaction_removed',
    { conversation_id: conversationId, message_id: messageId, user_id: caller.userId, emoji },
    caller.userId,
  )
}
