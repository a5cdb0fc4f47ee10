import { z } from 'zod'

import type { InviteChangedPayload } from './bus-events'
import {
  MessageTypeSchema,
  type MessageWire,
  PresenceStatusSchema,
  type PresenceWire,
  type ReactionEventWire,
  type ReceiptWire,
  type Role,
  type SyncEventWire,
} from './chat-wire'
import type { MuteStateWire, NotificationSettingsWire } from './notify-wire'

/**
 * The chat WebSocket protocol (SPEC section 6): every frame is a JSON text frame with a `type`.
 * Client frames are validated with these schemas on the server; the server frame map types
 * `send(type, payload)` on the server and the web client's handlers.
 */

const Id = z.string().uuid()
/** Any client frame may carry a `ref`, echoed in the answer or error frame it causes. */
const Ref = z.string().max(64).optional()
export const MAX_CONTENT_CODE_POINTS = 4000

/** PostgreSQL text cannot hold U+0000: refused at the edge (issue 14) instead of failing in the database. */
const NO_NUL = [
  (s: string) => !s.includes('\u0000'),
  'Must not contain the NUL character (\\u0000).',
] as const

/** Plain text of 1..4000 Unicode code points (not UTF-16 units). */
export const ContentSchema = z
  .string()
  .refine(...NO_NUL)
  .refine((s) => s.trim().length > 0, 'Must not be empty.')
  .refine((s) => [...s].length <= MAX_CONTENT_CODE_POINTS, `At most ${MAX_CONTENT_CODE_POINTS} characters.`)
export const ClientIdSchema = z
  .string()
  .min(1)
  .max(100)
  .refine(...NO_NUL)
export const EmojiSchema = z
  .string()
  .min(1)
  .max(64)
  .refine(...NO_NUL)
  .refine((s) => !/\s/.test(s), 'Must not contain whitespace.')

export const ClientFrameSchemas = {
  join_conversation: z
    .object({
      type: z.literal('join_conversation'),
      conversation_id: Id,
      after_seq: z.number().int().min(0).optional(),
      ref: Ref,
    })
    .strict(),
  leave_conversation: z
    .object({ type: z.literal('leave_conversation'), conversation_id: Id, ref: Ref })
    .strict(),
  send_message: z
    .object({
      type: z.literal('send_message'),
      conversation_id: Id,
      content: ContentSchema,
      message_type: MessageTypeSchema.exclude(['system']).optional(),
      reply_to: Id.nullable().optional(),
      attachment_ids: z.array(Id).max(10).optional(),
      client_id: ClientIdSchema,
      ref: Ref,
    })
    .strict(),
  edit_message: z
    .object({ type: z.literal('edit_message'), message_id: Id, content: ContentSchema, ref: Ref })
    .strict(),
  delete_message: z.object({ type: z.literal('delete_message'), message_id: Id, ref: Ref }).strict(),
  start_typing: z.object({ type: z.literal('start_typing'), conversation_id: Id, ref: Ref }).strict(),
  stop_typing: z.object({ type: z.literal('stop_typing'), conversation_id: Id, ref: Ref }).strict(),
  add_reaction: z
    .object({ type: z.literal('add_reaction'), message_id: Id, emoji: EmojiSchema, ref: Ref })
    .strict(),
  remove_reaction: z
    .object({ type: z.literal('remove_reaction'), message_id: Id, emoji: EmojiSchema, ref: Ref })
    .strict(),
  mark_read: z
    .object({
      type: z.literal('mark_read'),
      conversation_id: Id,
      up_to_seq: z.number().int().min(0),
      ref: Ref,
    })
    .strict(),
  update_presence: z
    .object({ type: z.literal('update_presence'), status: PresenceStatusSchema, ref: Ref })
    .strict(),
  sync: z.object({ type: z.literal('sync'), since: z.string().max(100).optional(), ref: Ref }).strict(),
  ping: z.object({ type: z.literal('ping'), ref: Ref }).strict(),
  // Seed 004's short forms, only on a conversation-scoped socket (/ws/chat/{conversation_id}/).
  message: z
    .object({
      type: z.literal('message'),
      content: ContentSchema,
      client_id: ClientIdSchema.optional(),
      reply_to: Id.nullable().optional(),
      ref: Ref,
    })
    .strict(),
  typing: z.object({ type: z.literal('typing'), is_typing: z.boolean(), ref: Ref }).strict(),
  read: z
    .object({ type: z.literal('read'), up_to_seq: z.number().int().min(0).optional(), ref: Ref })
    .strict(),
} as const

export type ClientFrameType = keyof typeof ClientFrameSchemas
export type ClientFrame = { [K in ClientFrameType]: z.infer<(typeof ClientFrameSchemas)[K]> }[ClientFrameType]
export type ClientFrameOf<K extends ClientFrameType> = z.infer<(typeof ClientFrameSchemas)[K]>

/**
 * `user_updated`: how a person is shown changed (names, display name, username, avatar, status
 * message). Sent live to their own sockets and to everyone who shares a conversation or a contact
 * with them (issue 15). Only the fields present changed; the others are as they were.
 */
export interface UserUpdatedWire {
  user_id: string
  person_id?: string
  username?: string | null
  first_name?: string
  last_name?: string
  display_name?: string | null
  avatar_url?: string | null
  status_message?: string | null
  /** The name chat shows for them (`sender_name`, participants): first and last name, else username. */
  name?: string | null
}

/**
 * `invite_updated`: an invite was sent, accepted, rejected or cancelled; to both people's sockets
 * (the sender's "Sent" list, the recipient's "Received" list). `room_id` is set once accepted.
 */
export type InviteUpdatedWire = Omit<InviteChangedPayload, 'user_ids'>

/**
 * `contact_updated`: the receiver's contact list changed. `user_id` is the other person. `added` and
 * `removed` go to both people; `blocked` and `unblocked` only to the one who blocked (the blocked
 * person sees the contact `removed`).
 */
export interface ContactUpdatedWire {
  change: 'added' | 'removed' | 'blocked' | 'unblocked'
  user_id: string
  room_id: string | null
}

/** Every frame the server sends, by type. */
export interface ServerFrameMap {
  connection_established: { user_id: string; tenant_id: string; timestamp: string; conversation_id?: string }
  history: { conversation_id: string; messages: MessageWire[]; has_more: boolean }
  sync: { events: SyncEventWire[]; next: string }
  message_ack: { client_id: string | null; message: MessageWire }
  new_message: { message: MessageWire }
  message_updated: { message: MessageWire }
  message_deleted: { conversation_id: string; message_id: string }
  reaction_added: ReactionEventWire
  reaction_removed: ReactionEventWire
  typing_indicator: { conversation_id: string; user_id: string; is_typing: boolean }
  read_receipt: ReceiptWire
  delivery_receipt: ReceiptWire
  presence: PresenceWire
  conversation_updated: {
    conversation_id: string
    conversation: Record<string, unknown> | null
    deleted?: boolean
  }
  participant_added: { conversation_id: string; user_id: string; role: Role }
  participant_removed: { conversation_id: string; user_id: string }
  user_updated: UserUpdatedWire
  invite_updated: InviteUpdatedWire
  contact_updated: ContactUpdatedWire
  /** The user muted or unmuted a conversation (sent to all of their sockets, so every device agrees). */
  conversation_muted: MuteStateWire
  /** The user's notification settings changed (do-not-disturb), sent to all of their sockets. */
  notification_settings: NotificationSettingsWire
  error: { code: ErrorCode; message: string; ref?: string }
  pong: Record<string, never>
}
export type ServerFrameType = keyof ServerFrameMap
export type ServerFrame = {
  [K in ServerFrameType]: { type: K; ref?: string } & ServerFrameMap[K]
}[ServerFrameType]

/** Stable codes of `error` frames; clients switch on these. */
export type ErrorCode =
  | 'malformed_frame'
  | 'unknown_type'
  | 'invalid_frame'
  | 'not_found'
  | 'forbidden'
  | 'read_only'
  | 'rate_limited'
  | 'unauthorized'
  | 'internal_error'
  | 'unavailable'

/** Close codes the chat socket uses besides the standard ones. */
export const CloseCodes = {
  messageTooBig: 1009,
  tryAgainLater: 1013,
  sessionRevoked: 4001,
  /** The access token expired while the socket was open: reconnect with a fresh one. */
  tokenExpired: 4001,
  conversationUnavailable: 4004,
} as const
