import type { Role } from '@parley/contracts'
import { fieldError, newId, transaction, type Tx } from '@parley/platform'
import { sql } from 'kysely'
import type { ChatContext } from '../context'
import type { Executor } from '../db/rows'
import { notAllowed, notContacts, userNotFound } from '../errors'
import { recordChanges } from '../sync/changes'
import { requireManager, requireMember, type Caller, type ConversationRow } from '../participants/membership'
import { removeParticipantNow } from '../participants/participants.service'
import { presentConversation, presentConversations, type ConversationListRow } from './conversations.presenter'

export interface CreateInput {
  type: 'direct' | 'group' | 'channel'
  name?: string | null
  topic?: string | null
  participantIds: string[]
  isPublic?: boolean
}

/** Users of the caller's tenant among `ids` (the projection from user.registered). */
async function requireTenantUsers(db: Executor, tenantId: string, ids: string[]) {
  if (!ids.length) return
  const { rows } = await sql<{ id: string }>`select id from chat.users where id = any(${ids}::uuid[]) and tenant_id = ${tenantId}`.execute(db)
  const found = new Set(rows.map((r) => r.id))
  const missing = ids.find((id) => !found.has(id))
  if (missing) throw userNotFound(missing)
}

export function sortedPair(a: string, b: string): [string, string] {
  return a < b ? [a, b] : [b, a]
}

/** Creates a group or channel (creator = owner), or returns the direct conversation of two contacts. */
export async function createConversation(ctx: ChatContext, caller: Caller, input: CreateInput) {
  const db = ctx.platform.db
  const others = [...new Set(input.participantIds.filter((id) => id !== caller.userId))]
  if (input.type === 'direct') {
    if (others.length !== 1) throw fieldError('participant_ids', 'A direct conversation has exactly one other person.')
    const [a, b] = sortedPair(caller.userId, others[0])
    const { rows } = await sql<{ room_id: string }>`select room_id from chat.contacts where user_a = ${a} and user_b = ${b}`.execute(db)
    if (!rows[0]) throw notContacts()
    const conversationId = rows[0].room_id
    await ensureDirect(ctx, caller.tenantId, conversationId, [caller.userId, others[0]])
    return { created: false, conversation: await getConversation(ctx, caller, conversationId) }
  }
  if (!input.name?.trim()) throw fieldError('name', 'Groups and channels need a name.')
  await requireTenantUsers(db, caller.tenantId, others)
  const id = newId()
  await transaction(db, async (tx) => {
    await sql`insert into chat.conversations (id, tenant_id, type, name, topic, is_public, created_by)
      values (${id}, ${caller.tenantId}, ${input.type}, ${input.name!.trim()}, ${input.topic ?? null},
        ${input.type === 'channel' && !!input.isPublic}, ${caller.userId})`.execute(tx.db)
    const members: Array<[string, Role]> = [[caller.userId, 'owner'], ...others.map((u): [string, Role] => [u, 'member'])]
    await sql`insert into chat.participants (conversation_id, user_id, role)
      values ${sql.join(members.map(([u, r]) => sql`(${id}, ${u}, ${r})`))}`.execute(tx.db)
    await recordChanges(tx.db, members.map(([u, role]) => ({ conversationId: id, userId: u, type: 'participant.added' as const, data: { user_id: u, role } })))
  })
  ctx.hub.memberAdded(id, caller.userId, 'owner')
  for (const u of others) {
    ctx.hub.memberAdded(id, u, 'member')
    ctx.hub.toUser(u, 'participant_added', { conversation_id: id, user_id: u, role: 'member' })
  }
  return { created: true, conversation: await getConversation(ctx, caller, id) }
}

/**
 * The direct conversation of two contacts, id = the contact's room_id (idempotent). An existing
 * one that was read-only (contact removed, then re-added) becomes writable again.
 */
export async function ensureDirect(ctx: ChatContext, tenantId: string, roomId: string, userIds: string[], tx?: Tx['db']) {
  const work = async (db: Tx['db']) => {
    const inserted = await sql`insert into chat.conversations (id, tenant_id, type, created_by) values (${roomId}, ${tenantId}, 'direct', ${userIds[0]})
      on conflict (id) do nothing returning id`.execute(db)
    await sql`insert into chat.participants (conversation_id, user_id, role)
      values ${sql.join(userIds.map((u) => sql`(${roomId}, ${u}, 'member')`))}
      on conflict (conversation_id, user_id) do update set left_at = null`.execute(db)
    if (inserted.rows.length) {
      await recordChanges(db, userIds.map((u) => ({ conversationId: roomId, userId: u, type: 'participant.added' as const, data: { user_id: u, role: 'member' } })))
    }
    return inserted.rows.length > 0
  }
  const created = tx ? await work(tx) : await transaction(ctx.platform.db, (t) => work(t.db))
  const announce = () => {
    for (const u of userIds) {
      ctx.hub.memberAdded(roomId, u, 'member')
      if (created) ctx.hub.toUser(u, 'participant_added', { conversation_id: roomId, user_id: u, role: 'member' })
    }
  }
  return { created, announce }
}

const LIST_ORDER = sql`coalesce(c.last_message_at, c.created_at) desc, c.id desc`

export async function listConversations(ctx: ChatContext, caller: Caller, q: { search?: string; limit: number; offset: number }) {
  const db = ctx.platform.db
  const search = q.search ? sql`and c.name ilike ${`%${q.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`}` : sql``
  const base = sql`from chat.conversations c join chat.participants p on p.conversation_id = c.id and p.user_id = ${caller.userId} and p.left_at is null
    where c.tenant_id = ${caller.tenantId} and c.deleted_at is null ${search}`
  const [count, page] = await Promise.all([
    sql<{ n: number }>`select count(*)::int as n ${base}`.execute(db),
    sql<ConversationListRow>`select c.*, p.role, p.last_read_seq ${base} order by ${LIST_ORDER} limit ${q.limit} offset ${q.offset}`.execute(db),
  ])
  return { count: count.rows[0].n, results: await presentConversations(ctx, caller.userId, page.rows) }
}

export async function listPublicChannels(ctx: ChatContext, caller: Caller, q: { search?: string; limit: number; offset: number }) {
  const db = ctx.platform.db
  const search = q.search ? sql`and c.name ilike ${`%${q.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`}` : sql``
  const base = sql`from chat.conversations c left join chat.participants p on p.conversation_id = c.id and p.user_id = ${caller.userId} and p.left_at is null
    where c.tenant_id = ${caller.tenantId} and c.type = 'channel' and c.is_public and c.deleted_at is null ${search}`
  const [count, page] = await Promise.all([
    sql<{ n: number }>`select count(*)::int as n ${base}`.execute(db),
    sql<ConversationListRow>`select c.*, p.role, p.last_read_seq ${base} order by ${LIST_ORDER} limit ${q.limit} offset ${q.offset}`.execute(db),
  ])
  return { count: count.rows[0].n, results: page.rows.map((r) => presentConversation(r, r.role)) }
}

export async function getConversation(ctx: ChatContext, caller: Caller, id: string) {
  const m = await requireMember(ctx.platform.db, caller, id)
  const [presented] = await presentConversations(ctx, caller.userId, [{ ...m.conversation, role: m.role, last_read_seq: m.lastReadSeq }])
  return presented
}

export async function updateConversation(ctx: ChatContext, caller: Caller, id: string, patch: { name?: string; topic?: string | null; avatar_url?: string | null }) {
  const m = await requireMember(ctx.platform.db, caller, id)
  requireManager(m, 'be renamed or changed')
  if (patch.name !== undefined && !patch.name.trim()) throw fieldError('name', 'Must not be empty.')
  const row = await transaction(ctx.platform.db, async (tx) => {
    const { rows } = await sql<ConversationRow>`update chat.conversations set
      name = ${patch.name !== undefined ? patch.name.trim() : m.conversation.name},
      topic = ${patch.topic !== undefined ? patch.topic : m.conversation.topic},
      avatar_url = ${patch.avatar_url !== undefined ? patch.avatar_url : m.conversation.avatar_url},
      updated_at = now() where id = ${id} returning *`.execute(tx.db)
    await recordChanges(tx.db, [{ conversationId: id, type: 'conversation.updated', data: { ...patch } }])
    return rows[0]
  })
  ctx.hub.toConversation(id, 'conversation_updated', { conversation_id: id, conversation: presentConversation(row, null) })
  return getConversation(ctx, caller, id)
}

/** DELETE: the owner of a group/channel deletes it for everyone; anyone else leaves it. */
export async function deleteOrLeave(ctx: ChatContext, caller: Caller, id: string) {
  const m = await requireMember(ctx.platform.db, caller, id)
  if (m.conversation.type === 'direct') throw notAllowed('A direct conversation ends when the contact is removed.')
  if (m.role !== 'owner') return removeParticipantNow(ctx, id, caller.userId)
  const members = await transaction(ctx.platform.db, async (tx) => {
    await sql`update chat.conversations set deleted_at = now(), updated_at = now() where id = ${id}`.execute(tx.db)
    const { rows } = await sql<{ user_id: string }>`update chat.participants set left_at = now()
      where conversation_id = ${id} and left_at is null returning user_id`.execute(tx.db)
    await recordChanges(tx.db, rows.map((r) => ({ conversationId: id, userId: r.user_id, type: 'conversation.deleted' as const, data: { conversation_id: id } })))
    return rows.map((r) => r.user_id)
  })
  ctx.hub.toConversation(id, 'conversation_updated', { conversation_id: id, conversation: null, deleted: true })
  for (const u of members) ctx.hub.memberRemoved(id, u)
}
