import type { Role } from '@parley/contracts'
import { sql } from 'kysely'

import type { ChatDb, ConversationRow, Executor, ParticipantRow, ParticipantWithUser } from '../db/schema'

/** A conversation as one of its active members sees it, with their role and positions. */
export type MemberConversationRow = ConversationRow &
  Pick<ParticipantRow, 'role' | 'last_read_seq' | 'last_delivered_seq'>

/** The conversation and the caller's membership row; undefined for anything a member could not see. */
export async function findMembership(
  db: Executor,
  userId: string,
  tenantId: string,
  conversationId: string,
  lock = false,
): Promise<MemberConversationRow | undefined> {
  let query = db
    .selectFrom('chat.conversations as c')
    .innerJoin('chat.participants as p', (join) =>
      join.onRef('p.conversation_id', '=', 'c.id').on('p.user_id', '=', userId),
    )
    .selectAll('c')
    .select(['p.role', 'p.last_read_seq', 'p.last_delivered_seq'])
    .where('c.id', '=', conversationId)
    .where('c.tenant_id', '=', tenantId)
    .where('c.deleted_at', 'is', null)
    .where('p.left_at', 'is', null)
  if (lock) query = query.forUpdate('c')
  return query.executeTakeFirst()
}

/** Whether `userId` is an active member of `conversationId` (no tenant check: the caller has one). */
export async function isActiveMember(db: ChatDb, conversationId: string, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('chat.participants')
    .select('user_id')
    .where('conversation_id', '=', conversationId)
    .where('user_id', '=', userId)
    .where('left_at', 'is', null)
    .executeTakeFirst()
  return row !== undefined
}

export interface MembershipEntry {
  conversation_id: string
  role: Role
  /** The conversation's last seq as of this read (a node's order baseline, realtime/hub.ts). */
  last_seq: number
}

/** The live memberships of many users in one query (a reconnect storm loads thousands), one list per user, in order. */
export async function membershipsOf(db: ChatDb, userIds: string[]): Promise<MembershipEntry[][]> {
  const rows = await db
    .selectFrom('chat.participants as p')
    .innerJoin('chat.conversations as c', 'c.id', 'p.conversation_id')
    .select(['p.user_id', 'p.conversation_id', 'p.role', 'c.last_seq'])
    .where('p.user_id', '=', sql<string>`any(${userIds}::uuid[])`)
    .where('p.left_at', 'is', null)
    .where('c.deleted_at', 'is', null)
    .execute()
  const byUser = new Map<string, MembershipEntry[]>(userIds.map((u) => [u, []]))
  for (const r of rows)
    byUser
      .get(r.user_id)
      ?.push({ conversation_id: r.conversation_id, role: r.role, last_seq: Number(r.last_seq) })
  return userIds.map((u) => byUser.get(u)!)
}

/** Active members' read and delivered positions in a conversation. */
export async function positionsOf(db: ChatDb, conversationId: string) {
  return db
    .selectFrom('chat.participants')
    .select(['user_id', 'last_delivered_seq', 'last_read_seq'])
    .where('conversation_id', '=', conversationId)
    .where('left_at', 'is', null)
    .execute()
}

const withUser = (db: Executor) =>
  db
    .selectFrom('chat.participants as p')
    .leftJoin('chat.users as u', 'u.id', 'p.user_id')
    .selectAll('p')
    .select(['u.username', 'u.person_id', 'u.first_name', 'u.last_name', 'u.avatar_url'])

export async function countMembers(db: ChatDb, conversationId: string): Promise<number> {
  const { n } = await db
    .selectFrom('chat.participants')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('conversation_id', '=', conversationId)
    .where('left_at', 'is', null)
    .executeTakeFirstOrThrow()
  return Number(n)
}

/** A page of active members: owner, admins, members, then by joining time. */
export async function listMembers(
  db: ChatDb,
  conversationId: string,
  page: { limit: number; offset: number },
): Promise<ParticipantWithUser[]> {
  return withUser(db)
    .where('p.conversation_id', '=', conversationId)
    .where('p.left_at', 'is', null)
    .orderBy(sql`case p.role when 'owner' then 0 when 'admin' then 1 else 2 end`)
    .orderBy('p.joined_at')
    .orderBy('p.user_id')
    .limit(page.limit)
    .offset(page.offset)
    .execute()
}

export async function findMember(
  db: ChatDb,
  conversationId: string,
  userId: string,
): Promise<ParticipantWithUser | undefined> {
  return withUser(db)
    .where('p.conversation_id', '=', conversationId)
    .where('p.user_id', '=', userId)
    .where('p.left_at', 'is', null)
    .executeTakeFirst()
}

/** The direct conversations' members among `conversationIds`, with their profile fields. */
export async function directPeers(db: ChatDb, conversationIds: string[]) {
  return db
    .selectFrom('chat.participants as p')
    .leftJoin('chat.users as u', 'u.id', 'p.user_id')
    .select([
      'p.conversation_id',
      'p.user_id',
      'p.role',
      'u.username',
      'u.person_id',
      'u.first_name',
      'u.last_name',
      'u.avatar_url',
    ])
    .where('p.conversation_id', '=', sql<string>`any(${conversationIds}::uuid[])`)
    .where('p.left_at', 'is', null)
    .where('p.conversation_id', 'in', (eb) =>
      eb
        .selectFrom('chat.conversations')
        .select('id')
        .where('id', '=', sql<string>`any(${conversationIds}::uuid[])`)
        .where('type', '=', 'direct'),
    )
    .execute()
}

export async function insertMembers(
  db: Executor,
  conversationId: string,
  members: Array<[string, Role]>,
): Promise<void> {
  await db
    .insertInto('chat.participants')
    .values(members.map(([user_id, role]) => ({ conversation_id: conversationId, user_id, role })))
    .execute()
}

/** Members of a direct conversation; a member who had left is back. */
export async function upsertDirectMembers(
  db: Executor,
  conversationId: string,
  userIds: string[],
): Promise<void> {
  await db
    .insertInto('chat.participants')
    .values(userIds.map((user_id) => ({ conversation_id: conversationId, user_id, role: 'member' as const })))
    .onConflict((oc) => oc.columns(['conversation_id', 'user_id']).doUpdateSet({ left_at: null }))
    .execute()
}

/**
 * Adds (or re-adds) a member whose read and delivered positions start at the current seq, so
 * history before they joined does not count as unread. False when they were already a member.
 */
export async function addMember(
  db: Executor,
  conversationId: string,
  userId: string,
  role: Role,
): Promise<boolean> {
  const { rows } = await sql<
    Pick<ParticipantRow, 'user_id'>
  >`insert into chat.participants (conversation_id, user_id, role, last_read_seq, last_delivered_seq)
    select c.id, ${userId}, ${role}, c.last_seq, c.last_seq from chat.conversations c where c.id = ${conversationId} and c.deleted_at is null
    on conflict (conversation_id, user_id) do update set role = excluded.role, left_at = null, joined_at = now(),
      last_read_seq = excluded.last_read_seq, last_delivered_seq = excluded.last_delivered_seq
    where chat.participants.left_at is not null
    returning user_id`.execute(db)
  return rows.length > 0
}

export async function setRole(
  db: Executor,
  conversationId: string,
  userId: string,
  role: Role,
): Promise<void> {
  await db
    .updateTable('chat.participants')
    .set({ role })
    .where('conversation_id', '=', conversationId)
    .where('user_id', '=', userId)
    .execute()
}

/** Marks a member as gone; false when they were not an active member. */
export async function markLeft(db: Executor, conversationId: string, userId: string): Promise<boolean> {
  const row = await db
    .updateTable('chat.participants')
    .set({ left_at: sql`now()` })
    .where('conversation_id', '=', conversationId)
    .where('user_id', '=', userId)
    .where('left_at', 'is', null)
    .returning('user_id')
    .executeTakeFirst()
  return row !== undefined
}

/** Every active member leaves (the conversation is deleted); answers who they were. */
export async function markAllLeft(db: Executor, conversationId: string): Promise<string[]> {
  const rows = await db
    .updateTable('chat.participants')
    .set({ left_at: sql`now()` })
    .where('conversation_id', '=', conversationId)
    .where('left_at', 'is', null)
    .returning('user_id')
    .execute()
  return rows.map((r) => r.user_id)
}

/** A public channel of the tenant that anyone there may join. */
export async function findPublicChannel(
  db: ChatDb,
  tenantId: string,
  conversationId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('chat.conversations')
    .select('id')
    .where('id', '=', conversationId)
    .where('tenant_id', '=', tenantId)
    .where('type', '=', 'channel')
    .where('is_public', '=', true)
    .where('deleted_at', 'is', null)
    .executeTakeFirst()
  return row !== undefined
}

/** The last seq of each conversation, in order (0 for one that is gone). */
export async function lastSeqsOf(db: ChatDb, conversationIds: string[]): Promise<number[]> {
  const rows = await db
    .selectFrom('chat.conversations')
    .select(['id', 'last_seq'])
    .where('id', '=', sql<string>`any(${conversationIds}::uuid[])`)
    .execute()
  const byId = new Map(rows.map((r) => [r.id, Number(r.last_seq)]))
  return conversationIds.map((id) => byId.get(id) ?? 0)
}
