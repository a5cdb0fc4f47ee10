import {
  type ContactAcceptedPayload,
  type ContactRemovedPayload,
  type ContactUpdatedWire,
  INVITE_EVENTS,
  parseBusEvent,
  type UserBlockPayload,
} from '@parley/contracts'
import type { Consumer, Tx } from '@parley/platform'
import type { Logger } from 'pino'

import { setDirectReadOnly } from '../conversations/conversations.repository'
import { ensureDirect, sortedPair } from '../conversations/conversations.service'
import type { ChatDb } from '../db/schema'
import type { RealtimeHub } from '../realtime/hub'
import { recordChanges } from '../sync/sync.repository'
import { insertUserStub } from '../users/users.repository'
import {
  deleteBlock,
  deleteContact,
  insertBlock,
  isBlockedPair,
  roomOf,
  upsertContact,
} from './contacts.repository'

/** What the contacts consumer uses. */
export interface ContactsDeps {
  db: ChatDb
  hub: RealtimeHub
}

/**
 * Direct conversations follow the contact graph: `contact.accepted` creates one (id = room_id),
 * `contact.removed` and a block make it read-only, an unblock makes it writable again only
 * while the two are still contacts and neither blocks the other.
 */
export function contactsConsumer(deps: ContactsDeps): Consumer {
  return {
    name: 'chat.contacts',
    schema: 'chat',
    types: ['contact.accepted', 'contact.removed', 'user.blocked', 'user.unblocked'],
    async handle(event, tx) {
      const db = tx.db
      if (event.type === 'contact.accepted') {
        const p = event.payload as unknown as ContactAcceptedPayload
        const ids = (p.users ?? []).map((u) => u.user_id)
        if (ids.length !== 2 || !p.room_id) return
        const [a, b] = sortedPair(ids[0], ids[1])
        await upsertContact(db, a, b, p.room_id)
        for (const u of p.users) {
          await insertUserStub(db, {
            id: u.user_id,
            tenantId: event.tenantId,
            personId: u.person_id ?? null,
            username: u.username ?? null,
          })
        }
        const { announce } = await ensureDirect(deps, event.tenantId, p.room_id, [a, b], db)
        await setReadOnly(deps, tx, p.room_id, await isBlockedPair(db, a, b))
        tx.afterCommit(announce)
        tellBoth(deps, tx, 'added', [a, b], p.room_id)
        return
      }
      if (event.type === 'contact.removed') {
        const p = event.payload as unknown as ContactRemovedPayload
        const [a, b] = sortedPair(p.user_ids[0], p.user_ids[1])
        await deleteContact(db, a, b)
        if (p.room_id) await setReadOnly(deps, tx, p.room_id, true)
        tellBoth(deps, tx, 'removed', [a, b], p.room_id ?? null)
        return
      }
      const p = event.payload as unknown as UserBlockPayload
      const [a, b] = sortedPair(p.blocker_id, p.blocked_id)
      if (event.type === 'user.blocked') await insertBlock(db, p.blocker_id, p.blocked_id)
      else await deleteBlock(db, p.blocker_id, p.blocked_id)
      const blocked = await isBlockedPair(db, a, b)
      // Live signals (typing, presence, receipts, reactions) stop between the two on every node.
      tx.afterCommit(() => deps.hub.blockChanged(a, b, blocked))
      // @NOTE Only the blocker hears of the block; the blocked person saw the contact removed.
      const change = event.type === 'user.blocked' ? 'blocked' : 'unblocked'
      tx.afterCommit(() =>
        deps.hub.toUser(p.blocker_id, 'contact_updated', {
          change,
          user_id: p.blocked_id,
          room_id: p.room_id ?? null,
        }),
      )
      const room = await roomOf(db, a, b)
      const roomId = p.room_id ?? room
      if (!roomId) return
      await setReadOnly(deps, tx, roomId, room === undefined || blocked)
    },
  }
}

async function setReadOnly(deps: ContactsDeps, tx: Tx, roomId: string, readOnly: boolean) {
  if (!(await setDirectReadOnly(tx.db, roomId, readOnly))) return
  await recordChanges(tx.db, [
    { conversationId: roomId, type: 'conversation.updated', data: { is_read_only: readOnly } },
  ])
  tx.afterCommit(() =>
    deps.hub.toConversation(roomId, 'conversation_updated', {
      conversation_id: roomId,
      conversation: { id: roomId, is_read_only: readOnly },
    }),
  )
}

/** `contact_updated` to both people of a pair, each told about the other, once committed. */
function tellBoth(
  deps: ContactsDeps,
  tx: Tx,
  change: ContactUpdatedWire['change'],
  [a, b]: [string, string],
  roomId: string | null,
) {
  tx.afterCommit(() => {
    deps.hub.toUser(a, 'contact_updated', { change, user_id: b, room_id: roomId })
    deps.hub.toUser(b, 'contact_updated', { change, user_id: a, room_id: roomId })
  })
}

/**
 * Invites live on both sides (issue 15): each `invite.*` event becomes an `invite_updated` frame to
 * the sender's and the recipient's sockets, so "Sent" and "Received" flip without a reload.
 */
export function invitesLiveConsumer(deps: Pick<ContactsDeps, 'hub'> & { log: Logger }): Consumer {
  return {
    name: 'chat.invites',
    schema: 'chat',
    types: [...INVITE_EVENTS],
    async handle(event, tx) {
      const parsed = parseBusEvent('invite.sent', event.payload)
      if (!parsed.success) {
        deps.log.warn({ eventId: event.id, issues: parsed.error.issues }, 'ignored malformed invite event')
        return
      }
      const { user_ids: userIds, ...invite } = parsed.data
      tx.afterCommit(() => {
        for (const userId of new Set(userIds)) deps.hub.toUser(userId, 'invite_updated', invite)
      })
    },
  }
}
