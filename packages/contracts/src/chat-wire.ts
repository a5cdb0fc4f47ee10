import { z } from 'zod'

/**
 * Shapes the chat service sends, shared by its REST responses (which also generate the OpenAPI
 * document), its WebSocket frames and the web client. snake_case, as on the wire; timestamps are
 * ISO 8601 strings.
 */

export const MessageTypeSchema = z.enum(['text', 'emoji', 'image', 'file', 'system'])
export type MessageType = z.infer<typeof MessageTypeSchema>
export const PresenceStatusSchema = z.enum(['online', 'away', 'busy', 'offline'])
export type PresenceStatus = z.infer<typeof PresenceStatusSchema>
export const RoleSchema = z.enum(['owner', 'admin', 'member'])
export type Role = z.infer<typeof RoleSchema>

const Timestamp = z.string().describe('ISO 8601 timestamp')

export const AttachmentSchema = z.object({
  id: z.string(),
  /** A signed download URL (works in `<img src>`), valid for a limited time. */
  url: z.string().describe('Signed download URL, valid for a limited time'),
  content_type: z.string().describe('Detected from the content, not from the file name'),
  size: z.number().int(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  filename: z.string().nullable(),
})
export type AttachmentWire = z.infer<typeof AttachmentSchema>

export const ReactionSummarySchema = z.object({
  emoji: z.string(),
  count: z.number().int(),
  user_ids: z.array(z.string()),
})
export type ReactionSummaryWire = z.infer<typeof ReactionSummarySchema>

export const MessageSchema = z.object({
  id: z.string(),
  conversation_id: z.string(),
  /** Gapless and strictly increasing within the conversation. */
  seq: z.number().int().describe('Gapless, strictly increasing within the conversation'),
  sender_id: z.string(),
  sender_person_id: z.string().nullable(),
  sender_name: z.string().nullable(),
  /** Plain text, never HTML; empty for a deleted message (a tombstone). */
  content: z.string(),
  message_type: MessageTypeSchema,
  reply_to: z.string().nullable(),
  attachments: z.array(AttachmentSchema),
  reactions: z.array(ReactionSummarySchema),
  created_at: Timestamp,
  edited_at: Timestamp.nullable(),
  deleted: z.boolean(),
  /** True once every other member's delivered position reached this message. */
  is_delivered: z.boolean(),
  /** True once every other member read up to this message. */
  is_seen: z.boolean(),
  client_id: z.string().nullable(),
  /**
   * The user ids of the members the message mentions, derived by the server from `@username` in
   * the text (members only, never the sender); `@here` / `@channel` by an owner or admin of a group
   * or channel name every member, and are plain text from anyone else.
   */
  mentions: z
    .array(z.string())
    .describe('User ids of the members the message mentions (derived by the server from @username)'),
})
export type MessageWire = z.infer<typeof MessageSchema>

export const ReceiptSchema = z.object({
  conversation_id: z.string(),
  user_id: z.string(),
  up_to_seq: z.number().int(),
})
export type ReceiptWire = z.infer<typeof ReceiptSchema>

export const ReactionEventSchema = z.object({
  conversation_id: z.string(),
  message_id: z.string(),
  user_id: z.string(),
  emoji: z.string(),
})
export type ReactionEventWire = z.infer<typeof ReactionEventSchema>

export const SyncEventSchema = z.object({
  /** Pass as `since` to continue after this event. */
  cursor: z.string(),
  type: z
    .string()
    .describe(
      'message.new, message.edited, message.deleted, reaction.added, receipt.read, participant.added, ...',
    ),
  conversation_id: z.string().nullable(),
  created_at: Timestamp,
  data: z.record(z.string(), z.unknown()),
})
export type SyncEventWire = z.infer<typeof SyncEventSchema>

export const SyncPageSchema = z.object({
  events: z.array(SyncEventSchema),
  /** The cursor to pass as `since` next time. */
  next: z.string(),
  /** More events are waiting: ask again with `next` at once. */
  has_more: z.boolean(),
})
export type SyncPageWire = z.infer<typeof SyncPageSchema>

export const PresenceSchema = z.object({
  user_id: z.string(),
  status: PresenceStatusSchema,
  last_seen: Timestamp.nullable(),
})
export type PresenceWire = z.infer<typeof PresenceSchema>

export const HistoryPageSchema = z.object({
  messages: z.array(MessageSchema).describe('Ascending seq'),
  /** More messages exist past this page (page on with before_seq / after_seq); with around_seq, older ones. */
  has_more: z.boolean(),
  /** With around_seq only: newer messages exist past this page (page on with after_seq). */
  has_more_after: z.boolean().optional(),
})

/** A member of a direct conversation, as conversation lists show the other person. */
export const DirectPeerSchema = z.object({
  user_id: z.string(),
  role: RoleSchema,
  username: z.string().nullable(),
  person_id: z.string().nullable(),
  display_name: z.string().nullable(),
  avatar_url: z.string().nullable(),
})
export type DirectPeerWire = z.infer<typeof DirectPeerSchema>

export const ConversationSummarySchema = z.object({
  id: z.string(),
  type: z.enum(['direct', 'group', 'channel']),
  name: z.string().nullable(),
  topic: z.string().nullable(),
  avatar_url: z.string().nullable(),
  is_public: z.boolean(),
  /** A direct conversation whose contact ended (removed or blocked) keeps its history but takes no messages. */
  is_read_only: z.boolean(),
  last_seq: z.number().int(),
  message_count: z.number().int(),
  /** The caller's role; null in public channel listings they have not joined. */
  my_role: RoleSchema.nullable(),
  created_by: z.string().nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
  last_activity_at: Timestamp,
})
export type ConversationSummaryWire = z.infer<typeof ConversationSummarySchema>

export const ConversationSchema = ConversationSummarySchema.extend({
  last_message: MessageSchema.nullable(),
  unread_count: z.number().int(),
  /** Unread messages (past the caller's read position) that mention the caller: the "@2" badge. */
  unread_mention_count: z.number().int().describe('Unread messages that mention the caller'),
  /** The caller muted this conversation: no browser or push notifications for it, on any device. */
  muted: z.boolean(),
  /** Direct conversations only: both members, so clients can show the other person. */
  participants: z.array(DirectPeerSchema).optional(),
})
export type ConversationWire = z.infer<typeof ConversationSchema>

export const ParticipantSchema = z.object({
  user_id: z.string(),
  person_id: z.string().nullable(),
  username: z.string().nullable(),
  display_name: z.string().nullable(),
  avatar_url: z.string().nullable(),
  role: RoleSchema,
  joined_at: Timestamp,
  last_read_seq: z.number().int(),
  last_delivered_seq: z.number().int(),
})
export type ParticipantWire = z.infer<typeof ParticipantSchema>

export const MessageEditSchema = z.object({
  id: z.string(),
  previous_content: z.string(),
  edited_by: z.string(),
  edited_at: Timestamp,
})

export const ReactionSchema = z.object({
  message_id: z.string(),
  user_id: z.string(),
  username: z.string().nullable(),
  emoji: z.string(),
  created_at: Timestamp,
})

/** A message found across the caller's conversations (message search, the Mentions view). */
export const MessageHitSchema = z.object({
  message: MessageSchema.describe(
    'The message; is_delivered / is_seen are not computed here (false): open the conversation for them',
  ),
  conversation: z.object({
    id: z.string(),
    type: z.enum(['direct', 'group', 'channel']),
    /** Null for a direct conversation: clients show the other person. */
    name: z.string().nullable(),
  }),
  /** The message is past the caller's read position in its conversation (and not their own). */
  is_unread: z.boolean(),
})
export type MessageHitWire = z.infer<typeof MessageHitSchema>

/** A cursor-paged list of hits, newest first. */
export const MessageHitPageSchema = z.object({
  results: z.array(MessageHitSchema).describe('Newest first'),
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  next_cursor: z.string().nullable(),
})
export type MessageHitPageWire = z.infer<typeof MessageHitPageSchema>
