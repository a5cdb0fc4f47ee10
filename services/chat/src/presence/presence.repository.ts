import type { PresenceStatus } from '@parley/contracts'
import { type RawBuilder, sql } from 'kysely'

import type { ChatDb, Executor, PresenceNodeRow, PresenceRow } from '../db/schema'

/** What a user's presence is made of: the status they chose, when last seen, and whether a live node holds a socket of theirs. */
export type PresenceFacts = Pick<PresenceRow, 'user_id' | 'last_seen'> & {
  status: PresenceStatus | null
  online: boolean
}

/** Sockets of a user on nodes that are alive (heartbeat within the TTL). */
function liveSockets(userId: RawBuilder<unknown>, ttlMs: number) {
  return sql<number>`(select coalesce(sum(s.sockets), 0)::int from chat.presence_sockets s
    join chat.presence_nodes n on n.node_id = s.node_id
    where s.user_id = ${userId} and n.heartbeat_at >= now() - ${ttlMs}::int * interval '1 millisecond')`
}

/** A user's sockets on one node. */
export interface NodeSockets {
  userId: string
  n: number
}

/**
 * Sets this node's socket count of each user to what the node holds now (0 removes the row), and
 * touches the users' last_seen; answers each user's facts with their live sockets on every node.
 * Counts, not deltas: a write is right whatever the row held (a sweep that took the node for dead,
 * a batch that failed), and rows are found by key only: no join for the planner to turn into a
 * scan of the node's rows (migration 20270105T000000Z-presence-sockets-by-user).
 */
export async function applySocketCounts(db: Executor, nodeId: string, ttlMs: number, sockets: NodeSockets[]) {
  const users = sockets.map((s) => s.userId)
  const gone = sockets.filter((s) => s.n === 0).map((s) => s.userId)
  if (gone.length)
    await sql`delete from chat.presence_sockets where user_id = any(${gone}::uuid[]) and node_id = ${nodeId}`.execute(
      db,
    )
  await writeSockets(
    db,
    nodeId,
    sockets.filter((s) => s.n > 0),
  )
  const { rows } = await sql<
    PresenceFacts & { sockets: number }
  >`insert into chat.presence as p (user_id, last_seen)
    select u, now() from unnest(${users}::uuid[]) as u
    on conflict (user_id) do update set last_seen = now()
    returning p.user_id, p.status, p.last_seen, ${liveSockets(sql`p.user_id`, ttlMs)} as sockets`.execute(db)
  return rows
}

/** This node's socket count of each user in `sockets` (each at least 1), whatever its row held. */
async function writeSockets(db: Executor, nodeId: string, sockets: NodeSockets[]) {
  if (!sockets.length) return
  await sql`insert into chat.presence_sockets (node_id, user_id, sockets)
    select ${nodeId}, k.u, k.n from unnest(${sockets.map((s) => s.userId)}::uuid[], ${sockets.map((s) => s.n)}::int[]) as k(u, n)
    on conflict (user_id, node_id) do update set sockets = excluded.sockets`.execute(db)
}

export async function saveStatus(
  db: ChatDb,
  ttlMs: number,
  userId: string,
  status: PresenceStatus,
): Promise<PresenceFacts> {
  const { rows } =
    await sql<PresenceFacts>`insert into chat.presence (user_id, status, last_seen) values (${userId}, ${status}, now())
    on conflict (user_id) do update set status = excluded.status
    returning user_id, status, last_seen, ${liveSockets(sql`${userId}::uuid`, ttlMs)} > 0 as online`.execute(
      db,
    )
  return rows[0]
}

/** The facts of the tenant's users among `userIds`. */
export async function factsInTenant(
  db: ChatDb,
  ttlMs: number,
  tenantId: string,
  userIds: string[],
): Promise<PresenceFacts[]> {
  const { rows } =
    await sql<PresenceFacts>`select u.id as user_id, p.status, p.last_seen, ${liveSockets(sql`u.id`, ttlMs)} > 0 as online
    from chat.users u left join chat.presence p on p.user_id = u.id
    where u.id = any(${userIds}::uuid[]) and u.tenant_id = ${tenantId}`.execute(db)
  return rows
}

/** The facts of each user in `userIds`, in that order (no tenant filter: callers hold their own ids). */
export async function factsOf(db: ChatDb, ttlMs: number, userIds: string[]): Promise<PresenceFacts[]> {
  const { rows } =
    await sql<PresenceFacts>`select u.id as user_id, p.status, p.last_seen, ${liveSockets(sql`u.id`, ttlMs)} > 0 as online
    from unnest(${userIds}::uuid[]) with ordinality as u(id, i) left join chat.presence p on p.user_id = u.id
    order by u.i`.execute(db)
  return rows
}

/** Refreshes a node's heartbeat; false when its row is gone (another node swept it). */
export async function touchNode(db: ChatDb, nodeId: string): Promise<boolean> {
  const row = await db
    .updateTable('chat.presence_nodes')
    .set({ heartbeat_at: sql`now()` })
    .where('node_id', '=', nodeId)
    .returning('node_id')
    .executeTakeFirst()
  return row !== undefined
}

/** Registers a node again with its sockets per user. */
export async function registerNode(db: Executor, nodeId: string, sockets: NodeSockets[]): Promise<void> {
  await sql`insert into chat.presence_nodes (node_id) values (${nodeId})
    on conflict (node_id) do update set heartbeat_at = now()`.execute(db)
  await writeSockets(db, nodeId, sockets)
}

/** Removes other nodes whose heartbeat is older than the TTL; answers them with their last beat. */
export async function deleteDeadNodes(
  db: Executor,
  nodeId: string,
  ttlMs: number,
): Promise<PresenceNodeRow[]> {
  const { rows } = await sql<PresenceNodeRow>`delete from chat.presence_nodes
    where heartbeat_at < now() - ${ttlMs}::int * interval '1 millisecond' and node_id <> ${nodeId}
    returning node_id, heartbeat_at`.execute(db)
  return rows
}

/** Removes the sockets whose node row is gone. */
export async function deleteOrphanSockets(
  db: Executor,
): Promise<Array<{ user_id: string; node_id: string }>> {
  const { rows } = await sql<{ user_id: string; node_id: string }>`delete from chat.presence_sockets s
    where not exists (select 1 from chat.presence_nodes n where n.node_id = s.node_id) returning s.user_id, s.node_id`.execute(
    db,
  )
  return rows
}

/** Users left without a live socket go offline, last seen at the given time (never earlier than before). */
export async function markOffline(
  db: Executor,
  ttlMs: number,
  seen: Map<string, Date>,
): Promise<PresenceFacts[]> {
  const users = [...seen.keys()]
  const { rows } =
    await sql<PresenceFacts>`update chat.presence p set last_seen = greatest(p.last_seen, k.seen)
    from unnest(${users}::uuid[], ${users.map((u) => seen.get(u)!.toISOString())}::timestamptz[]) as k(u, seen)
    where p.user_id = k.u and ${liveSockets(sql`k.u`, ttlMs)} = 0
    returning p.user_id, p.status, p.last_seen, false as online`.execute(db)
  return rows
}

/** A graceful stop: this node's sockets stop counting at once instead of after the TTL. */
export async function deleteNode(db: Executor, nodeId: string): Promise<void> {
  await db.deleteFrom('chat.presence_sockets').where('node_id', '=', nodeId).execute()
  await db.deleteFrom('chat.presence_nodes').where('node_id', '=', nodeId).execute()
}

/**
 * Who shares a direct conversation with each of `userIds` (their contacts, themselves included).
 * From the users outward, whatever the statistics say: the users' direct memberships first (a
 * probe of the conversation per membership, inside a materialized CTE, which is a fence), then
 * each direct conversation's members by its primary key (`offset 0` keeps `left_at` out of the
 * probe). Planned with stale statistics (tables analyzed before a bulk of members arrived), a
 * plain join started from every direct conversation (~180 ms a batch: 10,000 sockets took 70 s to
 * connect), and a join that checked the conversation's type only after fetching its members read
 * every group member of every user (~100 ms for 200 users in groups of 100, most of
 * PostgreSQL's CPU in a reconnect storm).
 */
export async function directPartners(
  db: ChatDb,
  userIds: string[],
): Promise<Array<{ subject: string; target: string }>> {
  const { rows } = await sql<{ subject: string; target: string }>`with mine as materialized (
      select me.user_id, me.conversation_id from chat.participants me
      cross join lateral (select 1 from chat.conversations c
        where c.id = me.conversation_id and c.type = 'direct' and c.deleted_at is null limit 1) c
      where me.user_id = any(${userIds}::uuid[]) and me.left_at is null)
    select distinct mine.user_id as subject, o.user_id as target
    from mine
    cross join lateral (select o.user_id, o.left_at from chat.participants o
      where o.conversation_id = mine.conversation_id offset 0) o
    where o.left_at is null`.execute(db)
  return rows
}
