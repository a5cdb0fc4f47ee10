import type { AttachmentWire, MessageWire, ReactionSummaryWire } from '@parley/contracts'

import type { MessageRow } from '../db/schema'
import type { ChatUser } from '../users/users'

/** Other members' positions, to compute is_delivered / is_seen per message. */
export interface MemberPositions {
  userId: string
  lastDeliveredSeq: number
  lastReadSeq: number
}

/** What a page of messages shows beside its rows, loaded by the service in one query each. */
export interface MessageDetails {
  senders: Map<string, ChatUser | null>
  attachments: Map<string, AttachmentWire[]>
  reactions: Map<string, ReactionSummaryWire[]>
  /** Undefined: is_delivered and is_seen are false (a message just sent). */
  positions?: MemberPositions[]
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString())

/** Messages to wire shape; a deleted message keeps its place as a tombstone with empty content. */
export function presentMessages(rows: MessageRow[], details: MessageDetails): MessageWire[] {
  const { positions } = details
  return rows.map((r) => {
    const sender = details.senders.get(r.sender_id)
    const others = positions?.filter((p) => p.userId !== r.sender_id) ?? []
    const deleted = r.deleted_at !== null
    return {
      id: r.id,
      conversation_id: r.conversation_id,
      seq: Number(r.seq),
      sender_id: r.sender_id,
      sender_person_id: sender?.personId ?? null,
      sender_name: sender?.name ?? null,
      content: deleted ? '' : r.content,
      message_type: r.message_type,
      reply_to: r.reply_to,
      attachments: deleted ? [] : (details.attachments.get(r.id) ?? []),
      reactions: deleted ? [] : (details.reactions.get(r.id) ?? []),
      created_at: iso(r.created_at)!,
      edited_at: iso(r.edited_at),
      deleted,
      is_delivered: positions !== undefined && others.every((p) => p.lastDeliveredSeq >= r.seq),
      is_seen: positions !== undefined && others.every((p) => p.lastReadSeq >= r.seq),
      client_id: r.client_id,
      mentions: deleted ? [] : (r.mentions ?? []),
    }
  })
}

export function presentEdit(r: { id: string; previous_content: string; edited_by: string; edited_at: Date }) {
  return {
    id: r.id,
    previous_content: r.previous_content,
    edited_by: r.edited_by,
    edited_at: new Date(r.edited_at).toISOString(),
  }
}
