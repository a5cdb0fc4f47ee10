/** WebSocket protocol of SPEC §6, as the web client uses it. */
import type { Message, PresenceStatus } from '../lib/types'

export type ClientFrame =
  | { type: 'join_conversation'; conversation_id: string; after_seq?: number; ref?: string }
  | { type: 'leave_conversation'; conversation_id: string; ref?: string }
  | {
      type: 'send_message'
      conversation_id: string
      content: string
      message_type?: string
      reply_to?: string
      attachment_ids?: string[]
      client_id: string
      ref?: string
    }
  | { type: 'edit_message'; message_id: string; content: string; ref?: string }
  | { type: 'delete_message'; message_id: string; ref?: string }
  | { type: 'start_typing' | 'stop_typing'; conversation_id: string; ref?: string }
  | { type: 'add_reaction' | 'remove_reaction'; message_id: string; emoji: string; ref?: string }
  | { type: 'mark_read'; conversation_id: string; up_to_seq: number; ref?: string }
  | { type: 'update_presence'; status: PresenceStatus; ref?: string }
  | { type: 'sync'; since?: string; ref?: string }
  | { type: 'ping'; ref?: string }

export interface ServerFrameMap {
  connection_established: { user_id: string; tenant_id: string; timestamp: string }
  history: { conversation_id: string; messages: Message[]; has_more: boolean }
  message_ack: { client_id: string; message: Message }
  new_message: { message: Message }
  message_updated: { message: Message }
  message_deleted: { conversation_id: string; message_id: string }
  reaction_added: ReactionFrame
  reaction_removed: ReactionFrame
  typing_indicator: { conversation_id: string; user_id: string; is_typing: boolean }
  read_receipt: { conversation_id: string; user_id: string; up_to_seq: number }
  delivery_receipt: { conversation_id: string; user_id: string; up_to_seq: number }
  presence: { user_id: string; status: PresenceStatus; last_seen?: string | null }
  conversation_updated: { conversation?: { id: string }; conversation_id?: string }
  participant_added: { conversation_id: string; user_id?: string }
  participant_removed: { conversation_id: string; user_id?: string }
  sync: { events: unknown[]; next: string }
  error: { code: string; message: string; ref?: string }
  pong: Record<string, never>
}

export interface ReactionFrame {
  conversation_id?: string
  message_id?: string
  user_id?: string
  emoji?: string
  reaction?: { message_id?: string; user_id?: string; emoji?: string }
  message?: Message
}

export type ServerFrameType = keyof ServerFrameMap
export type ServerFrame = { [K in ServerFrameType]: { type: K; ref?: string } & ServerFrameMap[K] }[ServerFrameType]
