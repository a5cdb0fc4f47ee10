import {
  busEvent,
  type ContactPersonPayload,
  type InviteEventType,
  type InvitePersonPayload,
} from '@parley/contracts'
import type { EventBus, Tx } from '@parley/platform'

import { SCHEMA } from './db/schema'
import type { Identity } from './identity/identity.repository'
import type { Invite } from './invites/invites.repository'

const userOf = (i: Identity): ContactPersonPayload => ({
  user_id: i.userId,
  person_id: i.personId,
  username: i.username,
})

const personOf = (i: Identity): InvitePersonPayload => ({
  user_id: i.userId,
  person_id: i.personId,
  username: i.username,
  first_name: i.firstName,
  last_name: i.lastName,
  display_name: i.displayName,
  avatar_url: i.avatarUrl,
})

const INVITE_EVENT: Record<Invite['status'], InviteEventType> = {
  pending: 'invite.sent',
  accepted: 'invite.accepted',
  rejected: 'invite.rejected',
  cancelled: 'invite.cancelled',
}

/** Publishes inside `tx`, so the event exists exactly when the change it reports committed. */
export function contactEvents(bus: EventBus) {
  return {
    /** `invite.sent|accepted|rejected|cancelled` for the invite's new status, to both people (packages/contracts). */
    inviteChanged: (
      tx: Tx,
      p: { invite: Invite; sender: Identity; recipient: Identity; reason?: 'sender' | 'blocked' },
    ) =>
      bus.publish(
        tx,
        SCHEMA,
        busEvent(INVITE_EVENT[p.invite.status], p.invite.tenantId, {
          invite_id: p.invite.id,
          status: p.invite.status,
          user_ids: [p.invite.senderId, p.invite.recipientId],
          sender: personOf(p.sender),
          recipient: personOf(p.recipient),
          room_id: p.invite.roomId,
          ...(p.reason ? { reason: p.reason } : {}),
        }),
      ),
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
