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

/** The projection's upsert: a snapshot older than the stored one changes nothing (events may arrive in any order). */
export async function upsertUser(
  db: Executor,
  p: UserSnapshotPayload,
  tenantId: string,
  occurredAt: Date | string,
): Promise<void> {
  await db
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
    .execute()
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
