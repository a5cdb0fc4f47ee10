import type { UserSnapshotPayload } from '@parley/contracts'
import { sql } from 'kysely'

import type { ChatDb, Executor, UserRow } from '../db/schema'

export async function usersByIds(db: ChatDb, ids: string[]): Promise<UserRow[]> {
  return db
    .selectFrom('chat.users')
    .selectAll()
    .where('id', '=', sql<string>`any(${ids}::uuid[])`)
    .execute()
}

/** The ids among `ids` of users of `tenantId`. */
export async function findTenantUsers(db: Executor, tenantId: string, ids: string[]): Promise<string[]> {
  if (!ids.length) return []
  const rows = await db
    .selectFrom('chat.users')
    .select('id')
    .where('id', '=', sql<string>`any(${ids}::uuid[])`)
    .where('tenant_id', '=', tenantId)
    .execute()
  return rows.map((r) => r.id)
}

/** The tenant of each known user among `ids`. */
export async function tenantsOf(db: Executor, ids: string[]): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom('chat.users')
    .select(['id', 'tenant_id'])
    .where('id', '=', sql<string>`any(${ids}::uuid[])`)
    .execute()
  return new Map(rows.map((r) => [r.id, r.tenant_id]))
}

/**
 * The projection's upsert: a snapshot older than the stored one changes nothing (events may arrive
 * in any order). Answers whether this snapshot was applied.
 */
export async function upsertUser(
  db: Executor,
  p: UserSnapshotPayload,
  tenantId: string,
  occurredAt: Date | string,
): Promise<boolean> {
  const result = await db
    .insertInto('chat.users')
    .values({
      id: p.user_id,
      tenant_id: p.tenant_id ?? tenantId,
      person_id: p.person_id ?? null,
      username: p.username ?? null,
      first_name: p.first_name ?? '',
      last_name: p.last_name ?? '',
      avatar_url: p.avatar_url ?? null,
      updated_at: new Date(occurredAt),
    })
    .onConflict((oc) =>
      oc
        .column('id')
        .doUpdateSet((eb) => ({
          tenant_id: eb.ref('excluded.tenant_id'),
          person_id: eb.ref('excluded.person_id'),
          username: eb.ref('excluded.username'),
          first_name: eb.ref('excluded.first_name'),
          last_name: eb.ref('excluded.last_name'),
          avatar_url: eb.ref('excluded.avatar_url'),
          updated_at: eb.ref('excluded.updated_at'),
        }))
        .where('chat.users.updated_at', '<=', (eb) => eb.ref('excluded.updated_at')),
    )
    .executeTakeFirst()
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0
}

/** A user known only from a contact event: a placeholder that any real snapshot overrides. */
export async function insertUserStub(
  db: Executor,
  user: { id: string; tenantId: string; personId: string | null; username: string | null },
): Promise<void> {
  await db
    .insertInto('chat.users')
    .values({
      id: user.id,
      tenant_id: user.tenantId,
      person_id: user.personId,
      username: user.username,
      updated_at: new Date(0),
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute()
}

/**
 * Who sees a person: their contacts (either side of a pair) and the live conversations they
 * belong to, so that a change of how they are shown reaches each of those people.
 */
export async function audienceOf(
  db: Executor,
  userId: string,
): Promise<{ contactIds: string[]; conversationIds: string[] }> {
  const [contacts, conversations] = await Promise.all([
    db
      .selectFrom('chat.contacts')
      .select(sql<string>`case when user_a = ${userId} then user_b else user_a end`.as('id'))
      .where((eb) => eb.or([eb('user_a', '=', userId), eb('user_b', '=', userId)]))
      .execute(),
    db
      .selectFrom('chat.participants as p')
      .innerJoin('chat.conversations as c', 'c.id', 'p.conversation_id')
      .select('p.conversation_id')
      .where('p.user_id', '=', userId)
      .where('p.left_at', 'is', null)
      .where('c.deleted_at', 'is', null)
      .execute(),
  ])
  return {
    contactIds: contacts.map((r) => r.id),
    conversationIds: conversations.map((r) => r.conversation_id),
  }
}

/** Those among `userIds` who block `userId` (they cannot be invited into a conversation by them). */
export async function blockersAmong(db: ChatDb, userId: string, userIds: string[]): Promise<string[]> {
  if (!userIds.length) return []
  const rows = await db
    .selectFrom('chat.blocks')
    .select('blocker_id')
    .where('blocked_id', '=', userId)
    .where('blocker_id', '=', sql<string>`any(${userIds}::uuid[])`)
    .execute()
  return rows.map((r) => r.blocker_id)
}
