import type { Db } from '@parley/platform'
import { sql } from 'kysely'
import type { ChangeRow, Executor } from '../db/rows'

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
  const values = changes.map(
    (c) => sql`(${c.conversationId}::uuid, ${c.userId ?? null}::uuid, ${c.type}, ${JSON.stringify(c.data)}::jsonb)`,
  )
  await sql`insert into chat.changes (conversation_id, user_id, type, data) values ${sql.join(values)}`.execute(db)
}

export interface SyncCursor {
  xid: string
  id: number
}

export function encodeCursor(c: SyncCursor): string {
  return `${c.xid}-${c.id}`
}

export function decodeCursor(text: string): SyncCursor | undefined {
  const m = /^(\d{1,20})-(\d{1,20})$/.exec(text)
  return m ? { xid: m[1], id: Number(m[2]) } : undefined
}

const SYNC_LIMIT = 500

/**
 * Changes that concern `userId` after `since`, in commit order. Only rows of transactions older
 * than every transaction still running are served, so a change that commits late can never
 * fall behind a cursor that was already handed out.
 */
export async function readChanges(db: Db, userId: string, since: SyncCursor | undefined) {
  if (!since) {
    const { rows } = await sql<{ cursor: string }>`select coalesce((select xid::text || '-' || id from chat.changes
        where xid < pg_snapshot_xmin(pg_current_snapshot()) order by xid desc, id desc limit 1), '0-0') as cursor`.execute(db)
    return { events: [], next: rows[0].cursor, has_more: false }
  }
  const { rows } = await sql<Omit<ChangeRow, 'user_id'>>`select c.id, c.xid::text as xid, c.conversation_id, c.type, c.data, c.created_at
    from chat.changes c
    where (c.xid, c.id) > (${since.xid}::xid8, ${since.id}::bigint)
      and c.xid < pg_snapshot_xmin(pg_current_snapshot())
      and (c.user_id = ${userId}::uuid or c.conversation_id in (
        select conversation_id from chat.participants where user_id = ${userId}::uuid and left_at is null))
    order by c.xid, c.id limit ${SYNC_LIMIT}`.execute(db)
  const events = rows.map((r) => ({
    cursor: encodeCursor({ xid: r.xid, id: r.id }),
    type: r.type,
    conversation_id: r.conversation_id,
    created_at: new Date(r.created_at).toISOString(),
    data: r.data,
  }))
  const next = events.length ? events[events.length - 1].cursor : encodeCursor(since)
  return { events, next, has_more: rows.length === SYNC_LIMIT }
}
