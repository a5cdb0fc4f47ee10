import type { SyncPageWire } from '@parley/contracts'
import { fieldError } from '@parley/platform'

import type { ChatDb } from '../db/schema'
import { changesSince, currentCursor, type SyncCursor } from './sync.repository'

/** What the sync service uses. */
export interface SyncDeps {
  db: ChatDb
}

const SYNC_LIMIT = 500

export function encodeCursor(c: SyncCursor): string {
  return `${c.xid}-${c.id}`
}

export function decodeCursor(text: string): SyncCursor | undefined {
  const m = /^(\d{1,20})-(\d{1,20})$/.exec(text)
  return m ? { xid: m[1], id: Number(m[2]) } : undefined
}

/** The sync page of `userId` after the cursor `since` (REST and the socket's `sync` frame). */
export async function syncFor(deps: SyncDeps, userId: string, since?: string): Promise<SyncPageWire> {
  const cursor = since === undefined ? undefined : decodeCursor(since)
  if (since !== undefined && !cursor) throw fieldError('since', 'Not a cursor this server handed out.')
  if (!cursor) return { events: [], next: await currentCursor(deps.db), has_more: false }
  const rows = await changesSince(deps.db, userId, cursor, SYNC_LIMIT)
  const events = rows.map((r) => ({
    cursor: encodeCursor({ xid: r.xid, id: r.id }),
    type: r.type,
    conversation_id: r.conversation_id,
    created_at: new Date(r.created_at).toISOString(),
    data: r.data,
  }))
  const next = events.length ? events[events.length - 1].cursor : encodeCursor(cursor)
  return { events, next, has_more: rows.length === SYNC_LIMIT }
}
