import { sql } from 'kysely'

import type { ChangeRow, ChatDb, Executor } from '../db/schema'

export type ChangeType =
  | 'message.new'
  | 'message.edited'
  | 'message.deleted'
  | 'reaction.added'
  | 'reaction.removed'
  | 'receipt.read'
  | 'receipt.delivered'
  | 'participant.added'
  | 'participant.removed'
  | 'participant.updated'
  | 'conversation.updated'
  | 'conversation.deleted'

export interface Change {
  conversationId: string | null
  /** Set for changes addressed to one user (e.g. "you were removed"), visible to them even after leaving. */
  userId?: string | null
  type: ChangeType
  data: Record<string, unknown>
}

/** Appends changes to the sync log inside the caller's transaction (one statement for many). */
export async function recordChanges(db: Executor, changes: Change[]): Promise<void> {
  if (changes.length === 0) return
  await db
    .insertInto('chat.changes')
    .values(
      changes.map((c) => ({
        conversation_id: c.conversationId,
        user_id: c.userId ?? null,
        type: c.type,
        data: sql`${JSON.stringify(c.data)}::jsonb`,
      })),
    )
    .execute()
}

export interface SyncCursor {
  xid: string
  id: number
}

export type ChangeEntry = Omit<ChangeRow, 'user_id'>

/** The cursor of the newest change every running transaction can already see ('0-0' when none). */
export async function currentCursor(db: ChatDb): Promise<string> {
  const { rows } = await sql<{
    cursor: string
  }>`select coalesce((select xid::text || '-' || id from chat.changes
      where xid < pg_snapshot_xmin(pg_current_snapshot()) order by xid desc, id desc limit 1), '0-0') as cursor`.execute(
    db,
  )
  return rows[0].cursor
}

/**
 * Changes that concern `userId` after `since`, in commit order. Only rows of transactions older
 * than every transaction still running are served, so a change that commits late can never
 * fall behind a cursor that was already handed out.
 */
export async function changesSince(
  db: ChatDb,
  userId: string,
  since: SyncCursor,
  limit: number,
): Promise<ChangeEntry[]> {
  const { rows } =
    await sql<ChangeEntry>`select c.id, c.xid::text as xid, c.conversation_id, c.type, c.data, c.created_at
    from chat.changes c
    where (c.xid, c.id) > (${since.xid}::xid8, ${since.id}::bigint)
      and c.xid < pg_snapshot_xmin(pg_current_snapshot())
      and (c.user_id = ${userId}::uuid or c.conversation_id in (
        select conversation_id from chat.participants where user_id = ${userId}::uuid and left_at is null))
    order by c.xid, c.id limit ${limit}`.execute(db)
  return rows
}
