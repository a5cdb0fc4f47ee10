import type { ParticipantWire, Role } from '@parley/contracts'
import { transaction } from '@parley/platform'

import type { ChatDb } from '../db/schema'
import { conversationNotFound, notAllowed, participantNotFound, userNotFound } from '../errors'
import type { RealtimeHub } from '../realtime/hub'
import { recordChanges } from '../sync/sync.repository'
import type { TypingTracker } from '../typing/typing.service'
import { blockersAmong, findTenantUsers } from '../users/users.repository'
import {
  type Caller,
  type CatchUp,
  isManager,
  lookAgainOnMiss,
  requireManager,
  requireMember,
  USERS_CONSUMER,
} from './membership'
import { presentParticipant } from './participants.presenter'
import {
  addMember,
  countMembers,
  findMember,
  findPublicChannel,
  listMembers,
  markLeft,
  setRole,
} from './participants.repository'

/** What the participants service uses. */
export interface ParticipantsDeps {
  db: ChatDb
  hub: RealtimeHub
  typing: TypingTracker
  /** A lookup that misses waits for the projections once (ADR 0012). */
  bus: CatchUp
}

export async function listParticipants(
  deps: ParticipantsDeps,
  caller: Caller,
  id: string,
  page: { limit: number; offset: number },
) {
  await requireMember(deps.db, caller, id, deps.bus)
  const [count, rows] = await Promise.all([countMembers(deps.db, id), listMembers(deps.db, id, page)])
  return { count, results: rows.map(presentParticipant) }
}

async function participant(deps: ParticipantsDeps, id: string, userId: string): Promise<ParticipantWire> {
  const row = await findMember(deps.db, id, userId)
  if (!row) throw participantNotFound(userId)
  return presentParticipant(row)
}

/**
 * Adds (or re-adds) a member. Their read and delivered positions start at the current seq, so
 * history before they joined does not count as unread.
 */
export async function addParticipant(
  deps: ParticipantsDeps,
  caller: Caller,
  id: string,
  userId: string,
  role: Role = 'member',
  viaJoin = false,
) {
  const db = deps.db
  if (!viaJoin) {
    const m = await requireMember(db, caller, id, deps.bus)
    requireManager(m, 'add members')
    if (role === 'owner') throw notAllowed('There is one owner; add members as admin or member.')
  }
  const known = await lookAgainOnMiss(deps.bus, USERS_CONSUMER, async () =>
    (await findTenantUsers(db, caller.tenantId, [userId])).length ? true : undefined,
  )
  if (!known) throw userNotFound(userId)
  // Someone who blocked the caller cannot be brought into a conversation by them (as if unknown).
  if (!viaJoin && (await blockersAmong(db, caller.userId, [userId])).length) throw userNotFound(userId)
  const added = await transaction(db, async (tx) => {
    const inserted = await addMember(tx.db, id, userId, role)
    if (inserted)
      await recordChanges(tx.db, [
        { conversationId: id, userId, type: 'participant.added', data: { user_id: userId, role } },
      ])
    return inserted
  })
  if (added) {
    deps.hub.memberAdded(id, userId, role)
    deps.hub.toConversation(id, 'participant_added', { conversation_id: id, user_id: userId, role })
  }
  return { added, participant: await participant(deps, id, userId) }
}

export async function joinPublicChannel(deps: ParticipantsDeps, caller: Caller, id: string) {
  if (!(await findPublicChannel(deps.db, caller.tenantId, id))) throw conversationNotFound(id)
  return addParticipant(deps, caller, id, caller.userId, 'member', true)
}

/** Changes a role. Owners appoint and demote admins; an admin may only manage plain members. */
export async function changeRole(
  deps: ParticipantsDeps,
  caller: Caller,
  id: string,
  userId: string,
  role: Role,
) {
  const m = await requireMember(deps.db, caller, id, deps.bus)
  requireManager(m, 'change roles')
  const target = await participant(deps, id, userId)
  if (role === 'owner' || target.role === 'owner')
    throw notAllowed('The owner role cannot be given or taken.')
  if (m.role !== 'owner' && (role === 'admin' || target.role === 'admin'))
    throw notAllowed('Only the owner manages admins.')
  await transaction(deps.db, async (tx) => {
    await setRole(tx.db, id, userId, role)
    await recordChanges(tx.db, [
      { conversationId: id, userId, type: 'participant.updated', data: { user_id: userId, role } },
    ])
  })
  deps.hub.memberAdded(id, userId, role)
  deps.hub.toConversation(id, 'participant_added', { conversation_id: id, user_id: userId, role })
  return participant(deps, id, userId)
}

/** Removing yourself is leaving; removing others needs a higher role than theirs. */
export async function removeParticipant(deps: ParticipantsDeps, caller: Caller, id: string, userId: string) {
  const m = await requireMember(deps.db, caller, id, deps.bus)
  if (m.conversation.type === 'direct')
    throw notAllowed('Members of a direct conversation cannot be removed.')
  const target = await participant(deps, id, userId)
  if (userId !== caller.userId) {
    if (!isManager(m.role)) throw notAllowed('Only owners and admins remove members.')
    if (target.role === 'owner' || (target.role === 'admin' && m.role !== 'owner'))
      throw notAllowed('You cannot remove this member.')
  } else if (m.role === 'owner') {
    throw notAllowed('The owner cannot leave; delete the conversation instead.')
  }
  await removeParticipantNow(deps, id, userId)
}

/** Removes a member at once: the database first, then every node's membership cache. */
export async function removeParticipantNow(deps: ParticipantsDeps, conversationId: string, userId: string) {
  const removed = await transaction(deps.db, async (tx) => {
    if (!(await markLeft(tx.db, conversationId, userId))) return false
    await recordChanges(tx.db, [
      { conversationId, userId, type: 'participant.removed', data: { user_id: userId } },
    ])
    return true
  })
  if (!removed) throw conversationNotFound(conversationId)
  deps.hub.toConversation(conversationId, 'participant_removed', {
    conversation_id: conversationId,
    user_id: userId,
  })
  deps.hub.memberRemoved(conversationId, userId)
  deps.typing.stop(conversationId, userId)
}
