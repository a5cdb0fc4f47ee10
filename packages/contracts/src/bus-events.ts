import type { PresenceStatus } from './chat-wire'

/**
 * Payloads of the bus events the chat service consumes or publishes (docs/PLATFORM.md, "Event
 * contracts"). Producers own their events; these are the shapes consumers rely on, snake_case as on the wire.
 */

/** `user.registered` / `user.updated`: a full snapshot of the user. */
export interface UserSnapshotPayload {
  user_id: string
  tenant_id?: string
  person_id?: string | null
  email?: string
  username?: string | null
  first_name?: string | null
  last_name?: string | null
  avatar_url?: string | null
}

export interface ContactPersonPayload {
  user_id: string
  person_id?: string | null
  username?: string | null
}

/** `contact.accepted`: room_id is the direct conversation's id. */
export interface ContactAcceptedPayload {
  room_id: string
  invite_id?: string
  users: ContactPersonPayload[]
}

/** `contact.removed`. */
export interface ContactRemovedPayload {
  room_id: string | null
  user_ids: [string, string]
}

/** `user.blocked` / `user.unblocked`. */
export interface UserBlockPayload {
  blocker_id: string
  blocked_id: string
  room_id: string | null
}

/**
 * `user.presence_changed` (published by chat): the presence a user's contacts now see, sent on
 * transitions only (first socket, last socket closed, a chosen status, a dead node swept).
 * `status` is `offline` while no socket is open or when the user chose to appear offline.
 */
export interface UserPresenceChangedPayload extends Record<string, unknown> {
  user_id: string
  status: PresenceStatus
  last_seen: string | null
}

// ---------------------------------------------------------------------------------------------
// Read-your-writes wave (issue 15): names and invite state for live updates. Kept as one block
// of its own, apart from the declarations above.
// ---------------------------------------------------------------------------------------------

/**
 * `profile.updated` (published by profile): the names and status a person chose, sent whenever
 * one of `first_name`, `last_name`, `display_name` or `status_message` changes. A full snapshot of
 * these four fields (null: not set), so a consumer can upsert it; apply it only when its
 * `occurred_at` is newer than the last one applied. From the first one on, these names win over
 * the account's (`user.registered` / `user.updated` still carry username, email and avatar).
 */
export interface ProfileUpdatedPayload extends Record<string, unknown> {
  user_id: string
  tenant_id: string
  person_id: string
  first_name: string | null
  last_name: string | null
  display_name: string | null
  status_message: string | null
}

/** One side of an invite, as both people's clients show it. */
export interface InvitePersonPayload {
  user_id: string
  person_id: string
  username: string | null
  first_name: string
  last_name: string
  display_name: string | null
  avatar_url: string | null
}

export type InviteStatus = 'pending' | 'accepted' | 'rejected' | 'cancelled'

/**
 * `invite.sent` / `invite.accepted` / `invite.rejected` / `invite.cancelled` (published by
 * contacts): an invite changed state. `user_ids` is `[sender_id, recipient_id]`: push it to both
 * (the sender's "Sent" list, the recipient's "Received" list). `room_id` is set once accepted
 * (then `contact.accepted` follows in the same transaction). `reason` says why an invite was
 * cancelled: by its sender, or because one of the two blocked the other.
 */
export interface InviteChangedPayload extends Record<string, unknown> {
  invite_id: string
  status: InviteStatus
  user_ids: [string, string]
  sender: InvitePersonPayload
  recipient: InvitePersonPayload
  room_id: string | null
  reason?: 'sender' | 'blocked'
}

/** Event names of this block, for consumers' `types` lists. */
export const PROFILE_UPDATED = 'profile.updated'
export const INVITE_EVENTS = ['invite.sent', 'invite.accepted', 'invite.rejected', 'invite.cancelled'] as const
export type InviteEventType = (typeof INVITE_EVENTS)[number]
