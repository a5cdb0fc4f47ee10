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
