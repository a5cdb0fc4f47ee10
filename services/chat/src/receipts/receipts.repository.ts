import { sql } from 'kysely'

import type { ChatDb, Executor, ParticipantRow } from '../db/schema'

/**
 * Moves a member's read position up to `upToSeq` (capped at the conversation's last seq; never
 * back; reading implies delivery). Answers the new position, or undefined when it did not move.
 */
export async function advanceRead(
  db: Executor,
  conversationId: string,
  userId: string,
  upToSeq: number,
): Promise<number | undefined> {
  const { rows } = await sql<Pick<ParticipantRow, 'last_read_seq'>>`update chat.participants p
    set last_read_seq = least(${upToSeq}::bigint, c.last_seq),
        last_delivered_seq = greatest(p.last_delivered_seq, least(${upToSeq}::bigint, c.last_seq))
    from chat.conversations c
    where c.id = p.conversation_id and p.conversation_id = ${conversationId} and p.user_id = ${userId}
      and p.left_at is null and p.last_read_seq < least(${upToSeq}::bigint, c.last_seq)
    returning p.last_read_seq`.execute(db)
  return rows[0] ? Number(rows[0].last_read_seq) : undefined
}

export interface DeliveredPosition {
  c: string
  u: string
  seq: number
}

/**
 * Delivered positions of many members, and their sync-log rows, in one statement (one round
 * trip, one transaction). Answers the rows that moved.
 *
 * Committed asynchronously (`synchronous_commit = off` for this transaction only): nobody was
 * promised these rows are durable, and a COMMIT that waits for the WAL flush would hold the
 * member rows locked meanwhile, in the way of the message batches that move senders' positions.
 * A crash can lose the last moments of positions, which later deliveries or fetches move again.
 * The rows are locked by probes in (conversation_id, user_id) order (`list` must be sorted so), the
 * order in which chat.send_batch locks its senders' rows: without it the two deadlocked under load.
 */
export async function advanceDelivered(db: ChatDb, list: DeliveredPosition[]) {
  const { rows } = await sql<
    Pick<ParticipantRow, 'conversation_id' | 'user_id' | 'last_delivered_seq'>
  >`with k as (
      select k.c, k.u, k.seq
      from unnest(${list.map((l) => l.c)}::uuid[], ${list.map((l) => l.u)}::uuid[], ${list.map((l) => l.seq)}::bigint[])
        as k(c, u, seq)
      cross join lateral (select 1 from chat.participants p
        where p.conversation_id = k.c and p.user_id = k.u and p.left_at is null and p.last_delivered_seq < k.seq
        limit 1 for update) l
    ), u as (
      update chat.participants p set last_delivered_seq = k.seq
      from k
      where p.conversation_id = k.c and p.user_id = k.u and p.last_delivered_seq < k.seq
      returning p.conversation_id, p.user_id, p.last_delivered_seq
    ), ch as (
      insert into chat.changes (conversation_id, type, data)
      select u.conversation_id, 'receipt.delivered', jsonb_build_object('user_id', u.user_id, 'up_to_seq', u.last_delivered_seq) from u
    )
    select u.* from u cross join (select set_config('synchronous_commit', 'off', true)) async_commit`.execute(
    db,
  )
  return rows
}
