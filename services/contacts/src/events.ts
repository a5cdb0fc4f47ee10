import type { EventBus, Tx } from '@parley/platform'
import { SCHEMA } from './db/schema'
import type { Identity } from './identity/identity.repository'

/** Payload contracts of the events this service publishes (docs/PLATFORM.md). */
export interface ContactAcceptedPayload extends Record<string, unknown> {
  room_id: string
  invite_id: string
  users: Array<{ user_id: string; person_id: string; username: string | null }>
}

export interface ContactRemovedPayload extends Record<string, unknown> {
  room_id: string
  user_ids: [string, string]
}

export interface UserBlockPayload extends Record<string, unknown> {
  blocker_id: string
  blocked_id: string
  room_id: string | null
}

const userOf = (i: Identity) => ({ user_id: i.userId, person_id: i.personId, username: i.username })

/** Publishes inside `tx`, so the event exists exactly when the change it reports committed. */
export function contactEvents(bus: EventBus) {
  return {
    accepted: (tx: Tx, tenantId: string, p: { roomId: string; inviteId: string; sender: Identity; recipient: Identity }) =>
      bus.publish<ContactAcceptedPayload>(tx, SCHEMA, {
        type: 'contact.accepted',
        tenantId,
        payload: { room_id: p.roomId, invite_id: p.inviteId, users: [userOf(p.sender), userOf(p.recipient)] },
      }),
    removed: (tx: Tx, tenantId: string, p: { roomId: string; userIds: [string, string] }) =>
      bus.publish<ContactRemovedPayload>(tx, SCHEMA, {
        type: 'contact.removed',
        tenantId,
        payload: { room_id: p.roomId, user_ids: p.userIds },
      }),
    blocked: (tx: Tx, tenantId: string, p: { blockerId: string; blockedId: string; roomId: string | null }) =>
      bus.publish<UserBlockPayload>(tx, SCHEMA, {
        type: 'user.blocked',
        tenantId,
        payload: { blocker_id: p.blockerId, blocked_id: p.blockedId, room_id: p.roomId },
      }),
    unblocked: (tx: Tx, tenantId: string, p: { blockerId: string; blockedId: string }) =>
      bus.publish<UserBlockPayload>(tx, SCHEMA, {
        type: 'user.unblocked',
        tenantId,
        payload: { blocker_id: p.blockerId, blocked_id: p.blockedId, room_id: null },
      }),
  }
}

export type ContactEvents = ReturnType<typeof contactEvents>
