import { transaction } from '@parley/platform'
import { sql } from 'kysely'
import type { ChatContext } from '../context'
import type { ParticipantRow } from '../db/rows'
import { requireMember, type Caller, type Membership } from '../participants/membership'
import { recordChanges } from '../sync/changes'

/**
 * Read receipt up to a seq (capped at the conversation's last seq; never moves back). Reading
 * implies delivery. Answers the new position; nobody is told when it did not move.
 */
export async function markRead(ctx: ChatContext, caller: Caller, conversationId: string, upToSeq?: number, known?: Membership) {
  const m = known ?? (await requireMember(ctx.platform.db, caller, conversationId))
  const result = await transaction(ctx.platform.db, async (tx) => {
    const { rows } = await sql<Pick<ParticipantRow, 'last_read_seq'>>`update chat.participants p
      set last_read_seq = least(${upToSeq ?? Number.MAX_SAFE_INTEGER}::bigint, c.last_seq),
          last_delivered_seq = greatest(p.last_delivered_seq, least(${upToSeq ?? Number.MAX_SAFE_INTEGER}::bigint, c.last_seq))
      from chat.conversations c
      where c.id = p.conversation_id and p.conversation_id = ${conversationId} and p.user_id = ${caller.userId}
        and p.left_at is null and p.last_read_seq < least(${upToSeq ?? Number.MAX_SAFE_INTEGER}::bigint, c.last_seq)
      returning p.last_read_seq`.execute(tx.db)
    if (!rows[0]) return { moved: false, upToSeq: m.lastReadSeq }
    const seq = Number(rows[0].last_read_seq)
    await recordChanges(tx.db, [{ conversationId, type: 'receipt.read', data: { user_id: caller.userId, up_to_seq: seq } }])
    return { moved: true, upToSeq: seq }
  })
  if (result.moved) {
    ctx.hub.toConversation(conversationId, 'read_receipt', { conversation_id: conversationId, user_id: caller.userId, up_to_seq: result.upToSeq })
  }
  return { conversation_id: conversationId, user_id: caller.userId, up_to_seq: result.upToSeq }
}
