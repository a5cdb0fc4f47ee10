import type { AttachmentWire, MessageWire, ReactionSummaryWire } from '@parley/contracts'
import type { Db } from '@parley/platform'
import { sql } from 'kysely'
import { presentAttachment } from '../attachments/attachments.presenter'
import type { AttachmentUrls } from '../attachments/attachments.urls'
import type { AttachmentRow, MessageRow, ParticipantRow } from '../db/rows'
import type { UserDirectory } from '../users/users'

export type { MessageRow } from '../db/rows'

/** What presenting needs from the service instance (a ChatContext has all of it). */
export interface Presenting {
  platform: { db: Db }
  users: UserDirectory
  /** This instance's URL signer: every instance signs with the key of its own database. */
  attachmentUrls: AttachmentUrls
}

/** Other members' positions, to compute is_delivered / is_seen per message. */
export interface MemberPositions {
  userId: string
  lastDeliveredSeq: number
  lastReadSeq: number
}

export interface PresentOptions {
  positions?: MemberPositions[]
  withDetails?: boolean
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString())

/**
 * Messages to wire shape. Loads senders (cached), attachments and reactions for the whole page
 * in one query each; a deleted message keeps its place as a tombstone with empty content.
 */
export async function presentMessages(deps: Presenting, rows: MessageRow[], options: PresentOptions = {}): Promise<MessageWire[]> {
  if (rows.length === 0) return []
  const db = deps.platform.db
  const senders = await deps.users.getMany(rows.map((r) => r.sender_id))
  const ids = rows.map((r) => r.id)
  const attachments = new Map<string, AttachmentWire[]>()
  const reactions = new Map<string, ReactionSummaryWire[]>()
  if (options.withDetails !== false) {
    const [att, rea] = await Promise.all([
      sql<AttachmentRow>`select * from chat.attachments where message_id = any(${ids}::uuid[]) order by created_at, id`.execute(db),
      sql<{ message_id: string; emoji: string; count: number; user_ids: string[] }>`select message_id, emoji, count(*)::int as count, array_agg(user_id::text order by created_at) as user_ids
        from chat.reactions where message_id = any(${ids}::uuid[]) group by message_id, emoji order by min(created_at)`.execute(db),
    ])
    for (const a of att.rows) {
      if (!a.message_id) continue
      const list = attachments.get(a.message_id) ?? []
      list.push(presentAttachment(a, deps.attachmentUrls))
      attachments.set(a.message_id, list)
    }
    for (const r of rea.rows) {
      const list = reactions.get(r.message_id) ?? []
      list.push({ emoji: r.emoji, count: r.count, user_ids: r.user_ids })
      reactions.set(r.message_id, list)
    }
  }
  return rows.map((r) => {
    const sender = senders.get(r.sender_id)
    const others = options.positions?.filter((p) => p.userId !== r.sender_id) ?? []
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
      attachments: deleted ? [] : (attachments.get(r.id) ?? []),
      reactions: deleted ? [] : (reactions.get(r.id) ?? []),
      created_at: iso(r.created_at)!,
      edited_at: iso(r.edited_at),
      deleted,
      is_delivered: options.positions !== undefined && others.every((p) => p.lastDeliveredSeq >= r.seq),
      is_seen: options.positions !== undefined && others.every((p) => p.lastReadSeq >= r.seq),
      client_id: r.client_id,
    }
  })
}

/** Active members' positions in a conversation. */
export async function memberPositions(db: Db, conversationId: string): Promise<MemberPositions[]> {
  const { rows } = await sql<Pick<ParticipantRow, 'user_id' | 'last_delivered_seq' | 'last_read_seq'>>`select user_id, last_delivered_seq, last_read_seq from chat.participants
    where conversation_id = ${conversationId} and left_at is null`.execute(db)
  return rows.map((r) => ({ userId: r.user_id, lastDeliveredSeq: Number(r.last_delivered_seq), lastReadSeq: Number(r.last_read_seq) }))
}
