import type { ParticipantWire, Role } from '@parley/contracts'
import { transaction } from '@parley/platform'
import { sql } from 'kysely'
import type { ChatContext } from '../context'
import type { ParticipantRow, ParticipantWithUser } from '../db/rows'
import { isManager, requireManager, requireMember, type Caller } from './membership'
import { presentParticipant } from './participants.presenter'
import { conversationNotFound, notAllowed, participantNotFound, userNotFound } from '../errors'
import { recordChanges } from '../sync/changes'

const ROLE_ORDER = sql`case p.role when 'owner' then 0 when 'admin' then 1 else 2 end`

export async function listParticipants(ctx: ChatContext, caller: Caller, id: string, page: { limit: number; offset: number }) {
  await requireMember(ctx.platform.db, caller, id)
  const db = ctx.platform.db
  const [count, rows] = await Promise.all([
    sql<{ n: number }>`select count(*)::int as n from chat.participants where conversation_id = ${id} and left_at is null`.execute(db),
    sql<ParticipantWithUser>`select p.*, u.username, u.person_id, u.first_name, u.last_name, u.avatar_url from chat.participants p
      left join chat.users u on u.id = p.user_id where p.conversation_id = ${id} and p.left_at is null
      order by ${ROLE_ORDER}, p.joined_at, p.user_id limit ${page.limit} offset ${page.offset}`.execute(db),
  ])
  return { count: count.rows[0].n, results: rows.rows.map(presentParticipant) }
}

async function participant(ctx: ChatContext, id: string, userId: string): Promise<ParticipantWire> {
  const { rows } = await sql<ParticipantWithUser>`select p.*, u.username, u.person_id, u.first_name, u.last_name, u.avatar_url from chat.participants p
    left join chat.users u on u.id = p.user_id where p.conversation_id = ${id} and p.user_id = ${userId} and p.left_at is null`.execute(ctx.platform.db)
  if (!rows[0]) throw participantNotFound(userId)
  return presentParticipant(rows[0])
}

/**
 * Adds (or re-adds) a member. Their read and delivered positions start at the current seq, so
 * history before they joined does not count as unread.
 */
export async function addParticipant(ctx: ChatContext, caller: Caller, id: string, userId: string, role: Role = 'member', viaJoin = false) {
  const db = ctx.platform.db
  if (!viaJoin) {
    const m = await requireMember(db, caller, id)
    requireManager(m, 'add members')
    if (role === 'owner') throw notAllowed('There is one owner; add members as admin or member.')
  }
  const { rows: users } = await sql`select id from chat.users where id = ${userId} and tenant_id = ${caller.tenantId}`.execute(db)
  if (!users[0]) throw userNotFound(userId)
  const added = await transaction(db, async (tx) => {
    const { rows } = await sql<Pick<ParticipantRow, 'user_id'>>`insert into chat.participants (conversation_id, user_id, role, last_read_seq, last_delivered_seq)
      select c.id, ${userId}, ${role}, c.last_seq, c.last_seq from chat.conversations c where c.id = ${id} and c.deleted_at is null
      on conflict (conversation_id, user_id) do update set role = excluded.role, left_at = null, joined_at = now(),
        last_read_seq = excluded.last_read_seq, last_delivered_seq = excluded.last_delivered_seq
      where chat.participants.left_at is not null
      returning user_id`.execute(tx.db)
    if (rows[0]) await recordChanges(tx.db, [{ conversationId: id, userId, type: 'participant.added', data: { user_id: userId, role } }])
    return rows.length > 0
  })
  if (added) {
    ctx.hub.memberAdded(id, userId, role)
    ctx.hub.toConversation(id, 'participant_added', { conversation_id: id, user_id: userId, role })
  }
  return { added, participant: await participant(ctx, id, userId) }
}

export async function joinPublicChannel(ctx: ChatContext, caller: Caller, id: string) {
  const { rows } = await sql`select id from chat.conversations where id = ${id} and tenant_id = ${caller.tenantId}
    and type = 'channel' and is_public and deleted_at is null`.execute(ctx.platform.db)
  if (!rows[0]) throw conversationNotFound(id)
  return addParticipant(ctx, caller, id, caller.userId, 'member', true)
}

/** Changes a role. Owners appoint and demote admins; an admin may only manage plain members. */
export async function changeRole(ctx: ChatContext, caller: Caller, id: string, userId: string, role: Role) {
  const m = await requireMember(ctx.platform.db, caller, id)
  requireManager(m, 'change roles')
  const target = await participant(ctx, id, userId)
  if (role === 'owner' || target.role === 'owner') throw notAllowed('The owner role cannot be given or taken.')
  if (m.role !== 'owner' && (role === 'admin' || target.role === 'admin')) throw notAllowed('Only the owner manages admins.')
  await transaction(ctx.platform.db, async (tx) => {
    await sql`update chat.participants set role = ${role} where conversation_id = ${id} and user_id = ${userId}`.execute(tx.db)
    await recordChanges(tx.db, [{ conversationId: id, userId, type: 'participant.updated', data: { user_id: userId, role } }])
  })
  ctx.hub.memberAdded(id, userId, role)
  ctx.hub.toConversation(id, 'participant_added', { conversation_id: id, user_id: userId, role })
  return participant(ctx, id, userId)
}

/** Removing yourself is leaving; removing others needs a higher role than theirs. */
export async function removeParticipant(ctx: ChatContext, caller: Caller, id: string, userId: string) {
  const m = await requireMember(ctx.platform.db, caller, id)
  if (m.conversation.type === 'direct') throw notAllowed('Members of a direct conversation cannot be removed.')
  const target = await participant(ctx, id, userId)
  if (userId !== caller.userId) {
    if (!isManager(m.role)) throw notAllowed('Only owners and admins remove members.')
    if (target.role === 'owner' || (target.role === 'admin' && m.role !== 'owner')) throw notAllowed('You cannot remove this member.')
  } else if (m.role === 'owner') {
    throw notAllowed('The owner cannot leave; delete the conversation instead.')
  }
  await removeParticipantNow(ctx, id, userId)
}

/** Removes a member at once: the database first, then every node's membership cache. */
export async function removeParticipantNow(ctx: ChatContext, conversationId: string, userId: string) {
  const removed = await transaction(ctx.platform.db, async (tx) => {
    const { rows } = await sql`update chat.participants set left_at = now() where conversation_id = ${conversationId}
      and user_id = ${userId} and left_at is null returning user_id`.execute(tx.db)
    if (!rows[0]) return false
    await recordChanges(tx.db, [{ conversationId, userId, type: 'participant.removed', data: { user_id: userId } }])
    return true
  })
  if (!removed) throw conversationNotFound(conversationId)
  ctx.hub.toConversation(conversationId, 'participant_removed', { conversation_id: conversationId, user_id: userId })
  ctx.hub.memberRemoved(conversationId, userId)
  ctx.typing.stop(conversationId, userId)
}
