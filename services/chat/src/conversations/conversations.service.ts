import type { Role } from '@parley/contracts'
import { fieldError, newId, transaction } from '@parley/platform'

import type { ChatDb, Executor } from '../db/schema'
import { notAllowed, notContacts, userNotFound } from '../errors'
import { type PresentingDeps, presentStoredMessages } from '../messages/messages.service'
import { mutedAmong } from '../notifications/notifications.repository'
import {
  type Caller,
  type CatchUp,
  CONTACTS_CONSUMER,
  lookAgainOnMiss,
  requireManager,
  requireMember,
  USERS_CONSUMER,
} from '../participants/membership'
import {
  directPeers,
  insertMembers,
  markAllLeft,
  upsertDirectMembers,
} from '../participants/participants.repository'
import { type ParticipantsDeps, removeParticipantNow } from '../participants/participants.service'
import { recordChanges } from '../sync/sync.repository'
import { blockersAmong, findTenantUsers } from '../users/users.repository'
import { presentConversation, presentConversations } from './conversations.presenter'
import {
  contactRoom,
  type ConversationListRow,
  insertConversation,
  insertDirectIfMissing,
  lastMessages,
  listForMember,
  listPublicChannels as listPublicChannelRows,
  markDeleted,
  unreadCounts,
  updateConversation as updateConversationRow,
} from './conversations.repository'

/** What the conversations service uses. */
export type ConversationsDeps = ParticipantsDeps & PresentingDeps

export interface CreateInput {
  type: 'direct' | 'group' | 'channel'
  name?: string | null
  topic?: string | null
  participantIds: string[]
  isPublic?: boolean
}

/**
 * Users of the caller's tenant among `ids` (the projection from user.registered); a miss waits
 * once for the projection (a person who just registered).
 */
async function requireTenantUsers(db: ChatDb, bus: CatchUp, tenantId: string, ids: string[]) {
  if (!ids.length) return
  const missingOf = async () => {
    const found = new Set(await findTenantUsers(db, tenantId, ids))
    return ids.find((id) => !found.has(id))
  }
  let missing = await missingOf()
  if (missing) {
    await bus.caughtUp(USERS_CONSUMER)
    missing = await missingOf()
  }
  if (missing) throw userNotFound(missing)
}

export function sortedPair(a: string, b: string): [string, string] {
  return a < b ? [a, b] : [b, a]
}

/** Creates a group or channel (creator = owner), or returns the direct conversation of two contacts. */
export async function createConversation(deps: ConversationsDeps, caller: Caller, input: CreateInput) {
  const db = deps.db
  const others = [...new Set(input.participantIds.filter((id) => id !== caller.userId))]
  if (input.type === 'direct') {
    if (others.length !== 1)
      throw fieldError('participant_ids', 'A direct conversation has exactly one other person.')
    const [a, b] = sortedPair(caller.userId, others[0])
    const conversationId = await lookAgainOnMiss(deps.bus, CONTACTS_CONSUMER, () => contactRoom(db, a, b))
    if (!conversationId) throw notContacts()
    await ensureDirect(deps, caller.tenantId, conversationId, [caller.userId, others[0]])
    return { created: false, conversation: await getConversation(deps, caller, conversationId) }
  }
  if (!input.name?.trim()) throw fieldError('name', 'Groups and channels need a name.')
  await requireTenantUsers(db, deps.bus, caller.tenantId, others)
  // Those who blocked the caller cannot be brought into a group by them (as if unknown).
  const [blocker] = await blockersAmong(db, caller.userId, others)
  if (blocker) throw userNotFound(blocker)
  const id = newId()
  await transaction(db, async (tx) => {
    await insertConversation(tx.db, {
      id,
      tenantId: caller.tenantId,
      type: input.type as 'group' | 'channel',
      name: input.name!.trim(),
      topic: input.topic ?? null,
      isPublic: input.type === 'channel' && !!input.isPublic,
      createdBy: caller.userId,
    })
    const members: Array<[string, Role]> = [
      [caller.userId, 'owner'],
      ...others.map((u): [string, Role] => [u, 'member']),
    ]
    await insertMembers(tx.db, id, members)
    await recordChanges(
      tx.db,
      members.map(([u, role]) => ({
        conversationId: id,
        userId: u,
        type: 'participant.added' as const,
        data: { user_id: u, role },
      })),
    )
  })
  // @NOTE A conversation just created has no message yet: every node's order baseline is seq 0,
  // exactly, even where the first messages reach a node before it could read one.
  deps.hub.memberAdded(id, caller.userId, 'owner', 0)
  for (const u of others) {
    deps.hub.memberAdded(id, u, 'member', 0)
    deps.hub.toUser(u, 'participant_added', { conversation_id: id, user_id: u, role: 'member' })
  }
  return { created: true, conversation: await getConversation(deps, caller, id) }
}

/**
 * The direct conversation of two contacts, id = the contact's room_id (idempotent). An existing
 * one that was read-only (contact removed, then re-added) becomes writable again. `announce`
 * tells the members' nodes; call it once the transaction has committed.
 */
export async function ensureDirect(
  deps: Pick<ParticipantsDeps, 'db' | 'hub'>,
  tenantId: string,
  roomId: string,
  userIds: string[],
  tx?: Executor,
) {
  const work = async (db: Executor) => {
    const inserted = await insertDirectIfMissing(db, roomId, tenantId, userIds[0])
    await upsertDirectMembers(db, roomId, userIds)
    if (inserted) {
      await recordChanges(
        db,
        userIds.map((u) => ({
          conversationId: roomId,
          userId: u,
          type: 'participant.added' as const,
          data: { user_id: u, role: 'member' },
        })),
      )
    }
    return inserted
  }
  const created = tx ? await work(tx) : await transaction(deps.db, (t) => work(t.db))
  const announce = () => {
    for (const u of userIds) {
      // A direct conversation just created has no message yet (see createConversation).
      deps.hub.memberAdded(roomId, u, 'member', created ? 0 : undefined)
      if (created)
        deps.hub.toUser(u, 'participant_added', { conversation_id: roomId, user_id: u, role: 'member' })
    }
  }
  return { created, announce }
}

/** Conversations with last_message, unread_count and message_count, in a few queries for the page. */
async function withExtras(deps: ConversationsDeps, userId: string, rows: ConversationListRow[]) {
  if (rows.length === 0) return []
  const ids = rows.map((r) => r.id)
  const [last, unread, peers, muted] = await Promise.all([
    lastMessages(deps.db, ids),
    unreadCounts(deps.db, userId, ids),
    directPeers(deps.db, ids),
    mutedAmong(deps.db, userId, ids),
  ])
  const lastWires = await presentStoredMessages(deps, last, { withDetails: false })
  return presentConversations(rows, {
    lastMessages: new Map(lastWires.map((m) => [m.conversation_id, m])),
    unread,
    muted,
    directPeers: peers,
  })
}

export async function listConversations(
  deps: ConversationsDeps,
  caller: Caller,
  q: { search?: string; limit: number; offset: number },
) {
  const { count, rows } = await listForMember(deps.db, caller.userId, caller.tenantId, q)
  return { count, results: await withExtras(deps, caller.userId, rows) }
}

export async function listPublicChannels(
  deps: ConversationsDeps,
  caller: Caller,
  q: { search?: string; limit: number; offset: number },
) {
  const { count, rows } = await listPublicChannelRows(deps.db, caller.userId, caller.tenantId, q)
  return { count, results: rows.map((r) => presentConversation(r, r.role)) }
}

export async function getConversation(deps: ConversationsDeps, caller: Caller, id: string) {
  const m = await requireMember(deps.db, caller, id, deps.bus)
  const [presented] = await withExtras(deps, caller.userId, [
    { ...m.conversation, role: m.role, last_read_seq: m.lastReadSeq },
  ])
  return presented
}

export async function updateConversation(
  deps: ConversationsDeps,
  caller: Caller,
  id: string,
  patch: { name?: string; topic?: string | null; avatar_url?: string | null },
) {
  const m = await requireMember(deps.db, caller, id, deps.bus)
  requireManager(m, 'be renamed or changed')
  if (patch.name !== undefined && !patch.name.trim()) throw fieldError('name', 'Must not be empty.')
  const row = await transaction(deps.db, async (tx) => {
    const updated = await updateConversationRow(tx.db, id, {
      name: patch.name !== undefined ? patch.name.trim() : m.conversation.name,
      topic: patch.topic !== undefined ? patch.topic : m.conversation.topic,
      avatar_url: patch.avatar_url !== undefined ? patch.avatar_url : m.conversation.avatar_url,
    })
    await recordChanges(tx.db, [{ conversationId: id, type: 'conversation.updated', data: { ...patch } }])
    return updated
  })
  deps.hub.toConversation(id, 'conversation_updated', {
    conversation_id: id,
    conversation: presentConversation(row, null),
  })
  return getConversation(deps, caller, id)
}

/** DELETE: the owner of a group/channel deletes it for everyone; anyone else leaves it. */
export async function deleteOrLeave(deps: ConversationsDeps, caller: Caller, id: string) {
  const m = await requireMember(deps.db, caller, id, deps.bus)
  if (m.conversation.type === 'direct')
    throw notAllowed('A direct conversation ends when the contact is removed.')
  if (m.role !== 'owner') return removeParticipantNow(deps, id, caller.userId)
  const members = await transaction(deps.db, async (tx) => {
    await markDeleted(tx.db, id)
    const left = await markAllLeft(tx.db, id)
    await recordChanges(
      tx.db,
      left.map((u) => ({
        conversationId: id,
        userId: u,
        type: 'conversation.deleted' as const,
        data: { conversation_id: id },
      })),
    )
    return left
  })
  deps.hub.toConversation(id, 'conversation_updated', {
    conversation_id: id,
    conversation: null,
    deleted: true,
  })
  for (const u of members) deps.hub.memberRemoved(id, u)
}
