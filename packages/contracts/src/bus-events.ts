import { z } from 'zod'

import { PresenceStatusSchema } from './chat-wire'

/**
 * Payloads of every bus event (docs/PLATFORM.md, "Event contracts"), snake_case as stored in the
 * outbox. One schema per event type: producers type what they publish with it (through
 * `busEvent`), consumers parse with it, so a change to a shape breaks the type check of both.
 * @NOTE Consumers parse with these schemas and skip what fails, so fields a producer may omit in
 * events already stored (older outbox rows) stay `nullish`.
 */

const UserId = z.uuid()
const TenantId = z.string().min(1)
/** A person's public six-digit id. */
export const PersonIdSchema = z.string().regex(/^[1-9]\d{5}$/)

/** `user.registered` / `user.updated` (auth): a full snapshot of the account. */
export const UserSnapshotPayloadSchema = z.object({
  user_id: UserId,
  tenant_id: TenantId,
  person_id: PersonIdSchema,
  email: z.string().nullish(),
  username: z.string().nullish(),
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  avatar_url: z.string().nullish(),
})
export type UserSnapshotPayload = z.infer<typeof UserSnapshotPayloadSchema>

/** One side of a new contact, as `contact.accepted` carries it. */
export const ContactPersonPayloadSchema = z.object({
  user_id: UserId,
  person_id: PersonIdSchema,
  username: z.string().nullable(),
})
export type ContactPersonPayload = z.infer<typeof ContactPersonPayloadSchema>

/** `contact.accepted` (contacts): room_id is the direct conversation's id; `users` are both people. */
export const ContactAcceptedPayloadSchema = z.object({
  room_id: z.uuid(),
  invite_id: z.uuid(),
  users: z.array(ContactPersonPayloadSchema).length(2),
})
export type ContactAcceptedPayload = z.infer<typeof ContactAcceptedPayloadSchema>

/** `contact.removed` (contacts): the contact's direct conversation, which always exists. */
export const ContactRemovedPayloadSchema = z.object({
  room_id: z.uuid(),
  user_ids: z.tuple([UserId, UserId]),
})
export type ContactRemovedPayload = z.infer<typeof ContactRemovedPayloadSchema>

/**
 * `user.blocked` / `user.unblocked` (contacts): room_id is the pair's direct conversation when
 * they were contacts at the time of a block; always null on an unblock.
 */
export const UserBlockPayloadSchema = z.object({
  blocker_id: UserId,
  blocked_id: UserId,
  room_id: z.uuid().nullable(),
})
export type UserBlockPayload = z.infer<typeof UserBlockPayloadSchema>

/**
 * `user.presence_changed` (chat): the presence a user's contacts now see, sent on transitions
 * only (first socket, last socket closed, a chosen status, a dead node swept). `status` is
 * `offline` while no socket is open or when the user chose to appear offline.
 */
export const UserPresenceChangedPayloadSchema = z.object({
  user_id: UserId,
  status: PresenceStatusSchema,
  last_seen: z.iso.datetime({ offset: true }).nullable(),
})
export type UserPresenceChangedPayload = z.infer<typeof UserPresenceChangedPayloadSchema>

/**
 * `profile.updated` (published by profile): the names and status a person chose, sent whenever
 * one of `first_name`, `last_name`, `display_name` or `status_message` changes. A full snapshot of
 * these four fields (null: not set), so a consumer can upsert it; apply it only when its
 * `occurred_at` is newer than the last one applied. From the first one on, these names win over
 * the account's (`user.registered` / `user.updated` still carry username, email and avatar).
 */
export const ProfileUpdatedPayloadSchema = z.object({
  user_id: UserId,
  tenant_id: z.string().min(1),
  person_id: PersonIdSchema,
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  display_name: z.string().nullable(),
  status_message: z.string().nullable(),
})
export type ProfileUpdatedPayload = z.infer<typeof ProfileUpdatedPayloadSchema>

/** One side of an invite, as both people's clients show it. */
export const InvitePersonPayloadSchema = z.object({
  user_id: UserId,
  person_id: PersonIdSchema,
  username: z.string().nullable(),
  first_name: z.string(),
  last_name: z.string(),
  display_name: z.string().nullable(),
  avatar_url: z.string().nullable(),
})
export type InvitePersonPayload = z.infer<typeof InvitePersonPayloadSchema>

export const InviteStatusSchema = z.enum(['pending', 'accepted', 'rejected', 'cancelled'])
export type InviteStatus = z.infer<typeof InviteStatusSchema>

/**
 * `invite.sent` / `invite.accepted` / `invite.rejected` / `invite.cancelled` (published by
 * contacts): an invite changed state. `user_ids` is `[sender_id, recipient_id]`: push it to both
 * (the sender's "Sent" list, the recipient's "Received" list). `room_id` is set once accepted
 * (then `contact.accepted` follows in the same transaction). `reason` says why an invite was
 * cancelled: by its sender, or because one of the two blocked the other.
 */
export const InviteChangedPayloadSchema = z.object({
  invite_id: z.uuid(),
  status: InviteStatusSchema,
  user_ids: z.tuple([UserId, UserId]),
  sender: InvitePersonPayloadSchema,
  recipient: InvitePersonPayloadSchema,
  room_id: z.uuid().nullable(),
  reason: z.enum(['sender', 'blocked']).optional(),
})
export type InviteChangedPayload = z.infer<typeof InviteChangedPayloadSchema>

/** Event names of the read-your-writes events, for consumers' `types` lists. */
export const PROFILE_UPDATED = 'profile.updated'
export const INVITE_EVENTS = [
  'invite.sent',
  'invite.accepted',
  'invite.rejected',
  'invite.cancelled',
] as const
export type InviteEventType = (typeof INVITE_EVENTS)[number]

/** Every bus event type with the schema of its payload. */
export const BusEventSchemas = {
  'user.registered': UserSnapshotPayloadSchema,
  'user.updated': UserSnapshotPayloadSchema,
  'contact.accepted': ContactAcceptedPayloadSchema,
  'contact.removed': ContactRemovedPayloadSchema,
  'user.blocked': UserBlockPayloadSchema,
  'user.unblocked': UserBlockPayloadSchema,
  'user.presence_changed': UserPresenceChangedPayloadSchema,
  'profile.updated': ProfileUpdatedPayloadSchema,
  'invite.sent': InviteChangedPayloadSchema,
  'invite.accepted': InviteChangedPayloadSchema,
  'invite.rejected': InviteChangedPayloadSchema,
  'invite.cancelled': InviteChangedPayloadSchema,
} as const

export type BusEventType = keyof typeof BusEventSchemas
export type BusEventPayload<T extends BusEventType> = z.infer<(typeof BusEventSchemas)[T]>

/**
 * A new event of `type`, its payload typed by that type's contract; pass it to the bus's
 * `publish` (or a list of them to `publishMany`).
 * @example bus.publish(tx, 'contacts', busEvent('contact.removed', tenantId, { room_id, user_ids }))
 */
export function busEvent<T extends BusEventType>(
  type: T,
  tenantId: string,
  payload: BusEventPayload<T>,
): { type: T; tenantId: string; payload: BusEventPayload<T> } {
  return { type, tenantId, payload }
}

/**
 * Parses the payload of an event a consumer received, by its type. A failure is the caller's to
 * log and skip: retrying cannot fix a malformed payload.
 */
export function parseBusEvent<T extends BusEventType>(
  type: T,
  payload: unknown,
): z.ZodSafeParseResult<BusEventPayload<T>> {
  return BusEventSchemas[type].safeParse(payload) as z.ZodSafeParseResult<BusEventPayload<T>>
}
