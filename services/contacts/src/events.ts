import { busEvent, type ContactPersonPayload } from '@parley/contracts'
import type { EventBus, Tx } from '@parley/platform'
import { SCHEMA } from './db/schema'
import type { Identity } from './identity/identity.repository'

const userOf = (i: Identity): ContactPersonPayload => ({
  user_id: i.userId,
  person_id: i.personId,
  username: i.username,
})

/** Publishes inside `tx`, so the event exists exactly when the change it reports committed. */
export function contactEvents(bus: EventBus) {
  return {
    accepted: (
      tx: Tx,
      tenantId: string,
      p: { roomId: string; inviteId: string; sender: Identity; recipient: Identity },
    ) =>
      bus.publish(
        tx,
        SCHEMA,
        busEvent('contact.accepted', tenantId, {
          room_id: p.roomId,
          invite_id: p.inviteId,
          users: [userOf(p.sender), userOf(p.recipient)],
        }),
      ),
    removed: (tx: Tx, tenantId: string, p: { roomId: string; userIds: [string, string] }) =>
      bus.publish(
        tx,
        SCHEMA,
        busEvent('contact.removed', tenantId, { room_id: p.roomId, user_ids: p.userIds }),
      ),
    blocked: (tx: Tx, tenantId: string, p: { blockerId: string; blockedId: string; roomId: string | null }) =>
      bus.publish(
        tx,
        SCHEMA,
        busEvent('user.blocked', tenantId, {
          blocker_id: p.blockerId,
          blocked_id: p.blockedId,
          room_id: p.roomId,
        }),
      ),
    unblocked: (tx: Tx, tenantId: string, p: { blockerId: string; blockedId: string }) =>
      bus.publish(
        tx,
        SCHEMA,
        busEvent('user.unblocked', tenantId, {
          blocker_id: p.blockerId,
          blocked_id: p.blockedId,
          room_id: null,
        }),
      ),
  }
}

export type ContactEvents = ReturnType<typeof contactEvents>
