import type { Role } from '@parley/contracts'
import type { Db } from '@parley/platform'
import { sql } from 'kysely'
import type { ChatContext } from '../context'
import { presentMessages, type MessageRow } from '../messages/messages.presenter'
import type { ConversationRow, ParticipantRow, UserFields } from '../db/rows'

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString())

export interface ConversationListRow extends ConversationRow {
  role: Role | null
  last_read_seq: number | null
}

/** Conversations to wire shape, with last_message, unread_count and message_count, in few queries. */
export async function presentConversations(ctx: ChatContext, userId: string, rows: ConversationListRow[]) {
  const db: Db = ctx.platform.db
  if (rows.length === 0) return []
  const ids = rows.map((r) => r.id)
  const [last, unread, members] = await Promise.all([
    sql<MessageRow>`select m.* from chat.conversations c
      join chat.messages m on m.conversation_id = c.id and m.seq = (select max(seq) from chat.messages x where x.conversation_id = c.id and x.deleted_at is null)
      where c.id = any(${ids}::uuid[])`.execute(db),
    sql<{ conversation_id: string; n: number }>`select p.conversation_id, count(m.id)::int as n from chat.participants p
      join chat.messages m on m.conversation_id = p.conversation_id and m.seq > p.last_read_seq and m.sender_id <> p.user_id and m.deleted_at is null
      where p.user_id = ${userId} and p.conversation_id = any(${ids}::uuid[]) group by p.conversation_id`.execute(db),
    sql<Pick<ParticipantRow, 'conversation_id' | 'user_id' | 'role'> & UserFields>`select p.conversation_id, p.user_id, p.role, u.username, u.person_id, u.first_name, u.last_name, u.avatar_url
      from chat.participants p left join chat.users u on u.id = p.user_id
      where p.conversation_id = any(${ids}::uuid[]) and p.left_at is null and p.conversation_id in
        (select id from chat.conversations where id = any(${ids}::uuid[]) and type = 'direct')`.execute(db),
  ])
  const lastWires = await presentMessages(ctx, last.rows, { withDetails: false })
  const lastBy = new Map(lastWires.map((m) => [m.conversation_id, m]))
  const unreadBy = new Map(unread.rows.map((r) => [r.conversation_id, r.n]))
  const directPeers = new Map<string, typeof members.rows>()
  for (const p of members.rows) directPeers.set(p.conversation_id, [...(directPeers.get(p.conversation_id) ?? []), p])
  return rows.map((r) => {
    const peers = directPeers.get(r.id)?.map((p) => ({
      user_id: p.user_id,
      role: p.role,
      username: p.username ?? null,
      person_id: p.person_id ?? null,
      display_name: `${p.first_name ?? ''} ${p.last_name ?? ''}`.trim() || p.username || null,
      avatar_url: p.avatar_url ?? null,
    }))
    return {
      ...presentConversation(r, r.role),
      last_message: lastBy.get(r.id) ?? null,
      unread_count: unreadBy.get(r.id) ?? 0,
      ...(peers ? { participants: peers } : {}),
    }
  })
}

export function presentConversation(r: ConversationRow, role: Role | null) {
  return {
    id: r.id,
    type: r.type,
    name: r.name,
    topic: r.topic,
    avatar_url: r.avatar_url,
    is_public: r.is_public,
    is_read_only: r.is_read_only,
    last_seq: Number(r.last_seq),
    message_count: Number(r.last_seq) - Number(r.deleted_count),
    my_role: role,
    created_by: r.created_by,
    created_at: iso(r.created_at)!,
    updated_at: iso(r.updated_at)!,
    last_activity_at: iso(r.last_message_at ?? r.created_at)!,
  }
}
