import type { MessageType, PresenceStatus, Role } from '@parley/contracts'
import type { Db, Tx } from '@parley/platform'

/**
 * Rows of the `chat` schema as both engines return them (int8 as number, timestamptz as Date,
 * jsonb as objects; see docs/PLATFORM.md), so raw `sql<Row>` queries are typed end to end.
 */

/** Where a query runs: the shared handle or an open transaction. */
export type Executor = Db | Tx['db']

/** `chat.users`: the projection of auth's `user.registered` / `user.updated`. */
export interface UserRow {
  id: string
  tenant_id: string
  person_id: string | null
  username: string | null
  first_name: string
  last_name: string
  avatar_url: string | null
  updated_at: Date
}

/** `chat.contacts`: contact pairs from the contacts service (user_a < user_b). */
export interface ContactRow {
  user_a: string
  user_b: string
  room_id: string
  created_at: Date
}

export interface ConversationRow {
  id: string
  tenant_id: string
  type: 'direct' | 'group' | 'channel'
  name: string | null
  topic: string | null
  avatar_url: string | null
  is_public: boolean
  is_read_only: boolean
  last_seq: number
  deleted_count: number
  created_by: string | null
  created_at: Date
  updated_at: Date
  last_message_at: Date | null
  deleted_at: Date | null
}

export interface ParticipantRow {
  conversation_id: string
  user_id: string
  role: Role
  joined_at: Date
  last_read_seq: number
  last_delivered_seq: number
  left_at: Date | null
}

export interface MessageRow {
  id: string
  tenant_id: string
  conversation_id: string
  seq: number
  sender_id: string
  content: string
  message_type: MessageType
  reply_to: string | null
  client_id: string | null
  created_at: Date
  edited_at: Date | null
  deleted_at: Date | null
}

export interface MessageEditRow {
  id: string
  message_id: string
  previous_content: string
  edited_by: string
  edited_at: Date
}

export interface ReactionRow {
  message_id: string
  user_id: string
  emoji: string
  created_at: Date
}

export interface AttachmentRow {
  id: string
  tenant_id: string
  uploader_id: string
  conversation_id: string | null
  message_id: string | null
  storage_key: string
  content_type: string
  size: number
  width: number | null
  height: number | null
  filename: string | null
  created_at: Date
}

/** `chat.changes`, the sync log; `xid` is read as text (xid8 has no JS type). */
export interface ChangeRow {
  id: number
  xid: string
  conversation_id: string | null
  user_id: string | null
  type: string
  data: Record<string, unknown>
  created_at: Date
}

/** `chat.presence`: the status a user chose and when they were last seen. */
export interface PresenceRow {
  user_id: string
  status: PresenceStatus
  last_seen: Date | null
}

/** `chat.presence_nodes`: one row per running node, kept fresh by its heartbeat. */
export interface PresenceNodeRow {
  node_id: string
  heartbeat_at: Date
}

/** `chat.presence_sockets`: how many sockets a user has open on a node. */
export interface PresenceSocketRow {
  node_id: string
  user_id: string
  sockets: number
}

/** A member's profile fields from a left join on `chat.users` (null when the projection lacks them). */
export interface UserFields {
  username: string | null
  person_id: string | null
  first_name: string | null
  last_name: string | null
  avatar_url: string | null
}

export type ParticipantWithUser = ParticipantRow & UserFields
