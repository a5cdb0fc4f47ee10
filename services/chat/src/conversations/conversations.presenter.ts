import type { MessageWire, Role } from '@parley/contracts'

import type { ConversationRow } from '../db/schema'
import type { ConversationListRow } from './conversations.repository'

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString())

/** A member of a direct conversation, as the list shows them. */
export interface DirectPeerRow {
  conversation_id: string
  user_id: string
  role: Role
  username: string | null
  person_id: string | null
  first_name: string | null
  last_name: string | null
  avatar_url: string | null
}

/** What a conversation list shows beside each row, loaded by the service for the whole page. */
export interface ConversationExtras {
  lastMessages: Map<string, MessageWire>
  unread: Map<string, { n: number; mentions: number }>
  /** The conversations the caller muted. */
  muted: Set<string>
  directPeers: DirectPeerRow[]
}

/** Conversations to wire shape, with last_message, unread_count and (direct ones) their two members. */
export function presentConversations(rows: ConversationListRow[], extras: ConversationExtras) {
  const directPeers = new Map<string, DirectPeerRow[]>()
  for (const p of extras.directPeers)
    directPeers.set(p.conversation_id, [...(directPeers.get(p.conversation_id) ?? []), p])
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
      last_message: extras.lastMessages.get(r.id) ?? null,
      unread_count: extras.unread.get(r.id)?.n ?? 0,
      unread_mention_count: extras.unread.get(r.id)?.mentions ?? 0,
      muted: extras.muted.has(r.id),
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
