import type { MessageType, PresenceStatus, Role } from '@parley/contracts'
import type { Db } from '@parley/platform'
import type { Generated, Kysely, Selectable, Transaction } from 'kysely'

/**
 * The `chat` schema as Kysely sees it: one table type per table, columns as both engines return
 * them (int8 as number, timestamptz as Date, jsonb as objects; see docs/PLATFORM.md). Every
 * repository is typed against it; raw `sql` is kept for what the builder cannot say well
 * (calling `chat.send_batch`, `unnest` batches, xid8 cursors).
 */
export interface ChatDatabase {
  'chat.users': UsersTable
  'chat.contacts': ContactsTable
  'chat.blocks': BlocksTable
  'chat.conversations': ConversationsTable
  'chat.participants': ParticipantsTable
  'chat.messages': MessagesTable
  'chat.message_search': MessageSearchTable
  'chat.search_progress': SearchProgressTable
  'chat.message_edits': MessageEditsTable
  'chat.reactions': ReactionsTable
  'chat.attachments': AttachmentsTable
  'chat.changes': ChangesTable
  'chat.presence': PresenceTable
  'chat.presence_nodes': PresenceNodesTable
  'chat.presence_sockets': PresenceSocketsTable
  'chat.secrets': SecretsTable
  'chat.conversation_mutes': ConversationMutesTable
  'chat.notification_settings': NotificationSettingsTable
  'chat.push_subscriptions': PushSubscriptionsTable
}

/** The chat service's database handle. */
export type ChatDb = Kysely<ChatDatabase>

/** The platform's untyped handle seen through the chat schema's types (the tables are chat's own). */
export function chatDb(db: Db): ChatDb {
  // @NOTE The platform's handle is typed for any schema; this is the one place chat narrows it.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-return
  return db
}
/** Where a query runs: the shared handle or an open transaction. */
export type Executor = ChatDb | Transaction<ChatDatabase>

/** `chat.users`: the projection of auth's `user.registered` / `user.updated`. */
export interface UsersTable {
  id: string
  tenant_id: string
  person_id: string | null
  username: string | null
  first_name: Generated<string>
  last_name: Generated<string>
  avatar_url: string | null
  updated_at: Generated<Date>
}

/** `chat.contacts`: contact pairs from the contacts service (user_a < user_b). */
export interface ContactsTable {
  user_a: string
  user_b: string
  room_id: string
  created_at: Generated<Date>
}

export interface BlocksTable {
  blocker_id: string
  blocked_id: string
}

export interface ConversationsTable {
  id: string
  tenant_id: string
  type: 'direct' | 'group' | 'channel'
  name: string | null
  topic: string | null
  avatar_url: string | null
  is_public: Generated<boolean>
  is_read_only: Generated<boolean>
  last_seq: Generated<number>
  deleted_count: Generated<number>
  created_by: string | null
  created_at: Generated<Date>
  updated_at: Generated<Date>
  last_message_at: Date | null
  deleted_at: Date | null
}

export interface ParticipantsTable {
  conversation_id: string
  user_id: string
  role: Role
  joined_at: Generated<Date>
  last_read_seq: Generated<number>
  last_delivered_seq: Generated<number>
  left_at: Date | null
}

export interface MessagesTable {
  id: string
  tenant_id: string
  conversation_id: string
  seq: number
  sender_id: string
  content: string
  message_type: MessageType
  reply_to: string | null
  client_id: string | null
  created_at: Generated<Date>
  edited_at: Date | null
  deleted_at: Date | null
  /** The members the message names (chat.mentions_of), derived on the server from its text. */
  mentions: Generated<string[]>
}

/** `chat.message_search`: the trigram-indexed copy of standing messages' text, filled off the send path. */
export interface MessageSearchTable {
  message_id: string
  conversation_id: string
  seq: number
  content: string
}

/** `chat.search_progress`: per conversation, every message up to this seq is in `chat.message_search`. */
export interface SearchProgressTable {
  conversation_id: string
  indexed_seq: number
}

export interface MessageEditsTable {
  id: string
  message_id: string
  previous_content: string
  edited_by: string
  edited_at: Generated<Date>
}

export interface ReactionsTable {
  message_id: string
  user_id: string
  emoji: string
  created_at: Generated<Date>
}

export interface AttachmentsTable {
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
  created_at: Generated<Date>
}

/** `chat.changes`, the sync log; `xid` is xid8, read as text (it has no JS type). */
export interface ChangesTable {
  id: Generated<number>
  xid: Generated<string>
  conversation_id: string | null
  user_id: string | null
  type: string
  data: Record<string, unknown>
  created_at: Generated<Date>
}

/** `chat.presence`: the status a user chose and when they were last seen. */
export interface PresenceTable {
  user_id: string
  status: Generated<PresenceStatus>
  last_seen: Date | null
}

/** `chat.presence_nodes`: one row per running node, kept fresh by its heartbeat. */
export interface PresenceNodesTable {
  node_id: string
  heartbeat_at: Generated<Date>
}

/** `chat.presence_sockets`: how many sockets a user has open on a node. */
export interface PresenceSocketsTable {
  node_id: string
  user_id: string
  sockets: number
}

export interface SecretsTable {
  name: string
  value: string
}

/** `chat.conversation_mutes`: a row while `user_id` has muted the conversation. */
export interface ConversationMutesTable {
  user_id: string
  conversation_id: string
  tenant_id: string
  muted_at: Generated<Date>
}

/** `chat.notification_settings`: a row once a user changed a default. */
export interface NotificationSettingsTable {
  user_id: string
  tenant_id: string
  do_not_disturb: Generated<boolean>
  updated_at: Generated<Date>
}

/** `chat.push_subscriptions`: one browser's Web Push subscription (the endpoint is unique). */
export interface PushSubscriptionsTable {
  id: string
  tenant_id: string
  user_id: string
  endpoint: string
  p256dh: string
  auth: string
  created_at: Generated<Date>
  last_success_at: Date | null
}

export type PushSubscriptionRow = Selectable<PushSubscriptionsTable>
export type UserRow = Selectable<UsersTable>
export type ConversationRow = Selectable<ConversationsTable>
export type ParticipantRow = Selectable<ParticipantsTable>
export type MessageRow = Selectable<MessagesTable>
export type MessageEditRow = Selectable<MessageEditsTable>
export type ReactionRow = Selectable<ReactionsTable>
export type AttachmentRow = Selectable<AttachmentsTable>
export type ChangeRow = Selectable<ChangesTable>
export type PresenceRow = Selectable<PresenceTable>
export type PresenceNodeRow = Selectable<PresenceNodesTable>

/** A member's profile fields from a left join on `chat.users` (null when the projection lacks them). */
export interface UserFields {
  username: string | null
  person_id: string | null
  first_name: string | null
  last_name: string | null
  avatar_url: string | null
}

export type ParticipantWithUser = ParticipantRow & UserFields
