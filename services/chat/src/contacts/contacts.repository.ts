import { sql } from 'kysely'

import type { Executor } from '../db/schema'

export async function upsertContact(
  db: Executor,
  userA: string,
  userB: string,
  roomId: string,
): Promise<void> {
  await db
    .insertInto('chat.contacts')
    .values({ user_a: userA, user_b: userB, room_id: roomId })
    .onConflict((oc) =>
      oc.columns(['user_a', 'user_b']).doUpdateSet((eb) => ({ room_id: eb.ref('excluded.room_id') })),
    )
    .execute()
}

export async function deleteContact(db: Executor, userA: string, userB: string): Promise<void> {
  await db.deleteFrom('chat.contacts').where('user_a', '=', userA).where('user_b', '=', userB).execute()
}

/** The room of a contact pair (user_a < user_b), if they are contacts. */
export async function roomOf(db: Executor, userA: string, userB: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('chat.contacts')
    .select('room_id')
    .where('user_a', '=', userA)
    .where('user_b', '=', userB)
    .executeTakeFirst()
  return row?.room_id
}

export async function insertBlock(db: Executor, blockerId: string, blockedId: string): Promise<void> {
  await db
    .insertInto('chat.blocks')
    .values({ blocker_id: blockerId, blocked_id: blockedId })
    .onConflict((oc) => oc.doNothing())
    .execute()
}

export async function deleteBlock(db: Executor, blockerId: string, blockedId: string): Promise<void> {
  await db
    .deleteFrom('chat.blocks')
    .where('blocker_id', '=', blockerId)
    .where('blocked_id', '=', blockedId)
    .execute()
}

/** Whether either of the two blocks the other. */
export async function isBlockedPair(db: Executor, a: string, b: string): Promise<boolean> {
  const row = await db
    .selectFrom('chat.blocks')
    .select('blocker_id')
    .where((eb) =>
      eb.or([
        eb.and([eb('blocker_id', '=', a), eb('blocked_id', '=', b)]),
        eb.and([eb('blocker_id', '=', b), eb('blocked_id', '=', a)]),
      ]),
    )
    .executeTakeFirst()
  return row !== undefined
}

/** For each user, the users they have a block with, either way (one query for a batch of connecting users). */
export async function blocksOf(db: Executor, userIds: string[]): Promise<string[][]> {
  const rows = await db
    .selectFrom('chat.blocks')
    .select(['blocker_id', 'blocked_id'])
    .where((eb) =>
      eb.or([
        eb('blocker_id', '=', sql<string>`any(${userIds}::uuid[])`),
        eb('blocked_id', '=', sql<string>`any(${userIds}::uuid[])`),
      ]),
    )
    .execute()
  const byUser = new Map<string, string[]>(userIds.map((u) => [u, []]))
  for (const r of rows) {
    byUser.get(r.blocker_id)?.push(r.blocked_id)
    byUser.get(r.blocked_id)?.push(r.blocker_id)
  }
  return userIds.map((u) => byUser.get(u)!)
}
