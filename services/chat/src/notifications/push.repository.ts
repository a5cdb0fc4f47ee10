import { sql } from 'kysely'

import type { ChatDb, PushSubscriptionRow } from '../db/schema'

/**
 * Saves a browser's subscription for `userId`. The endpoint identifies the browser: posting it
 * again refreshes its keys, and a browser that signs in as someone else moves to that user.
 */
export async function upsertSubscription(
  db: ChatDb,
  s: { id: string; tenantId: string; userId: string; endpoint: string; p256dh: string; auth: string },
): Promise<{ row: PushSubscriptionRow; created: boolean }> {
  const row = await db
    .insertInto('chat.push_subscriptions')
    .values({
      id: s.id,
      tenant_id: s.tenantId,
      user_id: s.userId,
      endpoint: s.endpoint,
      p256dh: s.p256dh,
      auth: s.auth,
    })
    .onConflict((oc) =>
      oc.column('endpoint').doUpdateSet({
        tenant_id: s.tenantId,
        user_id: s.userId,
        p256dh: s.p256dh,
        auth: s.auth,
      }),
    )
    .returningAll()
    .executeTakeFirstOrThrow()
  return { row, created: row.id === s.id }
}

export async function subscriptionsOfUser(
  db: ChatDb,
  userId: string,
  q: { limit: number; offset: number },
): Promise<{ count: number; rows: PushSubscriptionRow[] }> {
  const [count, rows] = await Promise.all([
    db
      .selectFrom('chat.push_subscriptions')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('chat.push_subscriptions')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(q.limit)
      .offset(q.offset)
      .execute(),
  ])
  return { count: count.n, rows }
}

/** Keeps `userId`'s `keep` newest subscriptions and deletes the rest. */
export async function trimSubscriptions(db: ChatDb, userId: string, keep: number): Promise<void> {
  await sql`delete from chat.push_subscriptions where user_id = ${userId} and id not in (
      select id from chat.push_subscriptions where user_id = ${userId} order by created_at desc, id desc limit ${keep})`.execute(
    db,
  )
}

/** Deletes one of `userId`'s subscriptions; false when they have none with that id. */
export async function deleteSubscriptionOf(db: ChatDb, userId: string, id: string): Promise<boolean> {
  const r = await db
    .deleteFrom('chat.push_subscriptions')
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .executeTakeFirst()
  return Number(r.numDeletedRows) > 0
}

/** Forgets subscriptions the push service said are gone (404/410). */
export async function deleteSubscriptions(db: ChatDb, ids: string[]): Promise<void> {
  if (ids.length) await db.deleteFrom('chat.push_subscriptions').where('id', 'in', ids).execute()
}

export async function markDelivered(db: ChatDb, ids: string[]): Promise<void> {
  if (ids.length)
    await db
      .updateTable('chat.push_subscriptions')
      .set({ last_success_at: sql`now()` })
      .where('id', 'in', ids)
      .execute()
}

/** A member who may get a push for a message in `conversation_id`, with what the rule needs. */
export interface PushCandidate {
  conversation_id: string
  conversation_type: 'direct' | 'group' | 'channel'
  conversation_name: string | null
  user_id: string
  muted: boolean
  do_not_disturb: boolean
  /** A live node holds a socket of this user: they see the message there, no push. */
  online: boolean
}

/**
 * Active members of these conversations who have a push subscription, with their mute, DND and
 * online state. @NOTE Only direct conversations and the mentioned users of the others are read:
 * a group message notifies nobody else (shouldNotify decides; this only keeps a 10,000-member
 * channel from loading every member).
 */
export async function pushCandidates(
  db: ChatDb,
  conversationIds: string[],
  mentionedUserIds: string[],
  onlineTtlMs: number,
): Promise<PushCandidate[]> {
  const { rows } = await sql<PushCandidate>`select p.conversation_id, c.type as conversation_type,
      c.name as conversation_name, p.user_id,
      exists (select 1 from chat.conversation_mutes mu where mu.user_id = p.user_id and mu.conversation_id = p.conversation_id) as muted,
      coalesce(ns.do_not_disturb, false) as do_not_disturb,
      exists (select 1 from chat.presence_sockets s join chat.presence_nodes n on n.node_id = s.node_id
        where s.user_id = p.user_id and s.sockets > 0
          and n.heartbeat_at >= now() - ${onlineTtlMs}::int * interval '1 millisecond') as online
    from chat.participants p
    join chat.conversations c on c.id = p.conversation_id and c.deleted_at is null
    left join chat.notification_settings ns on ns.user_id = p.user_id
    where p.conversation_id = any(${conversationIds}::uuid[]) and p.left_at is null
      and (c.type = 'direct' or p.user_id = any(${mentionedUserIds}::uuid[]))
      and exists (select 1 from chat.push_subscriptions ps where ps.user_id = p.user_id)`.execute(db)
  return rows
}

/** Whether anybody on this database has a push subscription. */
export async function anyPushSubscription(db: ChatDb): Promise<boolean> {
  const { rows } = await sql<{
    found: boolean
  }>`select exists (select 1 from chat.push_subscriptions) as found`.execute(db)
  return rows[0].found
}

export async function subscriptionsOfUsers(db: ChatDb, userIds: string[]): Promise<PushSubscriptionRow[]> {
  if (userIds.length === 0) return []
  return db.selectFrom('chat.push_subscriptions').selectAll().where('user_id', 'in', userIds).execute()
}

export interface VapidPair {
  publicKey: string
  privateKey: string
}

/**
 * The generated VAPID pair kept in `chat.secrets`, shared by every node: the first node to need
 * one stores `generate()`'s pair, and everyone reads whichever pair won.
 */
export async function storedVapidKeys(db: ChatDb, generate: () => VapidPair): Promise<VapidPair> {
  const fresh = generate()
  await db
    .insertInto('chat.secrets')
    .values({ name: 'vapid', value: JSON.stringify(fresh) })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute()
  const row = await db
    .selectFrom('chat.secrets')
    .select('value')
    .where('name', '=', 'vapid')
    .executeTakeFirstOrThrow()
  return JSON.parse(row.value) as VapidPair
}
