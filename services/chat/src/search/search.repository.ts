import { sql } from 'kysely'

import type { ChatDb, ConversationRow, MessageRow } from '../db/schema'
import { containsPattern } from '../messages/messages.repository'

/** A message found across conversations, with what a hit shows of its conversation. */
export interface HitRow extends MessageRow {
  conv_type: ConversationRow['type']
  conv_name: string | null
  my_last_read_seq: number
}

export interface HitFilter {
  /** Every term must appear in the content, case-insensitively (served by the trigram index). */
  terms?: string[]
  /** Only messages whose `mentions` hold this user (served by the partial GIN index). */
  mentioning?: string
  /** Keyset cursor: only messages with a smaller id (UUIDv7, so older). */
  beforeId?: string
  limit: number
}

/**
 * Newest first, messages standing (not deleted) in the conversations `userId` is a current member
 * of, in `tenantId` only: the membership join is the access check, so nothing of a conversation
 * the user left, was removed from or never joined, nor of another tenant, can come back.
 */
export async function findHits(
  db: ChatDb,
  userId: string,
  tenantId: string,
  f: HitFilter,
): Promise<HitRow[]> {
  let query = db
    .selectFrom('chat.messages as m')
    .innerJoin('chat.participants as p', (j) =>
      j
        .onRef('p.conversation_id', '=', 'm.conversation_id')
        .on('p.user_id', '=', userId)
        .on('p.left_at', 'is', null),
    )
    .innerJoin('chat.conversations as c', (j) =>
      j
        .onRef('c.id', '=', 'm.conversation_id')
        .on('c.tenant_id', '=', tenantId)
        .on('c.deleted_at', 'is', null),
    )
    .selectAll('m')
    .select(['c.type as conv_type', 'c.name as conv_name', 'p.last_read_seq as my_last_read_seq'])
    .where('m.tenant_id', '=', tenantId)
    .where('m.deleted_at', 'is', null)
  if (f.terms?.length) {
    const terms = f.terms
    for (const t of terms) query = query.where('m.content', 'ilike', containsPattern(t))
    // The candidates: copies in the search index (its trigram index), and the caller's
    // conversations' messages past the index's mark (search-index.repository.ts).
    let indexed = db.selectFrom('chat.message_search as s').select('s.message_id as id')
    for (const t of terms) indexed = indexed.where('s.content', 'ilike', containsPattern(t))
    let tail = db
      .selectFrom('chat.participants as mp')
      .leftJoin('chat.search_progress as sp', 'sp.conversation_id', 'mp.conversation_id')
      .innerJoin('chat.messages as t', (j) =>
        j
          .onRef('t.conversation_id', '=', 'mp.conversation_id')
          .on('t.seq', '>', sql<number>`coalesce(sp.indexed_seq, 0)`),
      )
      .select('t.id')
      .where('mp.user_id', '=', userId)
      .where('mp.left_at', 'is', null)
    for (const t of terms) tail = tail.where('t.content', 'ilike', containsPattern(t))
    query = query.where('m.id', 'in', indexed.unionAll(tail))
  }
  if (f.mentioning !== undefined)
    // @NOTE `<> '{}'` repeats the partial index's predicate so that the planner may use it.
    query = query
      .where(sql<boolean>`m.mentions <> '{}'::uuid[]`)
      .where(sql<boolean>`m.mentions @> array[${f.mentioning}]::uuid[]`)
  if (f.beforeId !== undefined) query = query.where('m.id', '<', f.beforeId)
  return query.orderBy('m.id', 'desc').limit(f.limit).execute()
}
