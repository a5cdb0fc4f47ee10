/**
 * Wire shapes from SPEC.md (snake_case, as sent by the API), declared once in @parley/contracts
 * and named here as the client's code calls them. Type-only: no schema reaches the bundle.
 */
import type { ConversationWire, MessageWire } from '@parley/contracts'

import type { ReactionMap } from '../realtime/reactions'

export type {
  AttachmentWire as Attachment,
  ChatProfileWire as ChatProfile,
  ConversationWire,
  DirectPeerWire as DirectPeer,
  LoginResponseWire as LoginResponse,
  MessageHitWire as MessageHit,
  MessageHitPageWire as MessageHitPage,
  MessageType,
  MessageWire,
  PageWire as Page,
  ParticipantWire as Participant,
  PresenceWire as Presence,
  PresenceStatus,
  Role,
  TokenPairWire as TokenPair,
  UserWire as User,
} from '@parley/contracts'

/**
 * A message as the client holds it: the wire message, except that after a live reaction frame
 * the store keeps its reactions as emoji → user ids (realtime/reactions.ts).
 */
export type Message = Omit<MessageWire, 'reactions'> & { reactions: MessageWire['reactions'] | ReactionMap }

/** A conversation as the client holds it: its last message as the store keeps messages. */
export type Conversation = Omit<ConversationWire, 'last_message'> & { last_message: Message | null }

/** `conversation.type`. */
export type ConversationType = ConversationWire['type']

/** A mail the development mail catcher holds (GET /api/dev/mails/, not a product endpoint). */
export interface Mail {
  to: string
  subject: string
  text: string
  created_at: string
}
