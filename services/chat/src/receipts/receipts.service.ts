import { transaction } from '@parley/platform'

import type { ChatDb } from '../db/schema'
import { type Caller, type Membership, requireMember } from '../participants/membership'
import type { RealtimeHub } from '../realtime/hub'
import { recordChanges } from '../sync/sync.repository'
import { advanceRead } from './receipts.repository'

/** What read receipts use. */
export interface ReceiptsDeps {
  db: ChatDb
  hub: RealtimeHub
}

/**
 * Read receipt up to a seq (capped at the conversation's last seq; never moves back). Reading
 * implies delivery. Answers the new position; nobody is told when it did not move.
 */
export async function markRead(
  deps: ReceiptsDeps,
  caller: Caller,
  conversationId: string,
  upToSeq?: number,
  known?: Membership,
) {
  const m = known ?? (await requireMember(deps.db, caller, conversationId))
  const result = await transaction(deps.db, async (tx) => {
    const seq = await advanceRead(tx.db, conversationId, caller.userId, upToSeq ?? Number.MAX_SAFE_INTEGER)
    if (seq === undefined) return { moved: false, upToSeq: m.lastReadSeq }
    await recordChanges(tx.db, [
      { conversationId, type: 'receipt.read', data: { user_id: caller.userId, up_to_seq: seq } },
    ])
    return { moved: true, upToSeq: seq }
  })
  if (result.moved) {
    deps.hub.toConversation(
      conversationId,
      'read_receipt',
      { conversation_id: conversationId, user_id: caller.userId, up_to_seq: result.upToSeq },
      caller.userId,
    )
  }
  return { conversation_id: conversationId, user_id: caller.userId, up_to_seq: result.upToSeq }
}
