import type { MessageType } from '@parley/contracts'
import { sql } from 'kysely'

import type { ChatDb, Executor, MessageEditRow, MessageRow } from '../db/schema'

export async function findMessage(db: ChatDb, id: string): Promise<MessageRow | undefined> {
  return db.selectFrom('chat.messages').selectAll().where('id', '=', id).executeTakeFirst()
}

export interface HistoryFilter {
  afterSeq?: number
  beforeSeq?: number
  /** Every term must appear in the content, case-insensitively (deleted messages never match). */
  terms?: string[]
  /** Oldest first from `afterSeq` when true; newest first otherwise. */
  forward: boolean
  limit: number
}

/**
 * A page of a conversation's messages by seq. With search terms: the messages up to the search
 * index's mark through its trigram index, the ones past it read directly (search-index.repository.ts),
 * so a message is found as soon as it is acknowledged.
 */
export async function historyPage(
  db: ChatDb,
  conversationId: string,
  f: HistoryFilter,
): Promise<MessageRow[]> {
  // @NOTE A derived table either way (PostgreSQL flattens the plain one into the same plan).
  const rows = f.terms
    ? searchedMessages(db, conversationId, f.terms)
    : db.selectFrom('chat.messages').selectAll().where('conversation_id', '=', conversationId)
  let query = db.selectFrom(rows.as('m')).selectAll()
  if (f.afterSeq !== undefined) query = query.where('seq', '>', f.afterSeq)
  if (f.beforeSeq !== undefined) query = query.where('seq', '<', f.beforeSeq)
  return query
    .orderBy('seq', f.forward ? 'asc' : 'desc')
    .limit(f.limit)
    .execute()
}

/** `%term%` with LIKE's wildcards in the term as plain characters. */
export const containsPattern = (t: string) => `%${t.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

/** A conversation's standing messages holding every term (case-insensitive substrings). */
function searchedMessages(db: ChatDb, conversationId: string, terms: string[]) {
  let indexed = db
    .selectFrom('chat.message_search as s')
    .innerJoin('chat.messages as m', 'm.id', 's.message_id')
    .selectAll('m')
    .where('s.conversation_id', '=', conversationId)
    .where('m.deleted_at', 'is', null)
  let tail = db
    .selectFrom('chat.messages as m')
    .selectAll('m')
    .where('m.conversation_id', '=', conversationId)
    .where(
      'm.seq',
      '>',
      sql<number>`(select coalesce(max(p.indexed_seq), 0) from chat.search_progress p
        where p.conversation_id = ${conversationId})`,
    )
    .where('m.deleted_at', 'is', null)
  for (const t of terms) {
    // The copy's text is the message's (edits update both under one lock): m.content only re-checks.
    indexed = indexed
      .where('s.content', 'ilike', containsPattern(t))
      .where('m.content', 'ilike', containsPattern(t))
    tail = tail.where('m.content', 'ilike', containsPattern(t))
  }
  return indexed.unionAll(tail)
}

/** New content; undefined when the message is gone (deleted meanwhile). */
export async function updateContent(
  db: Executor,
  id: string,
  content: string,
): Promise<MessageRow | undefined> {
  return db
    .updateTable('chat.messages')
    .set({
      content,
      edited_at: sql`now()`,
      // An edit names members anew (chat.mentions_of, the rule the send path uses).
      mentions: sql<string[]>`chat.mentions_of(conversation_id, sender_id, ${content})`,
    })
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .returningAll()
    .executeTakeFirst()
}

export async function insertEdit(
  db: Executor,
  messageId: string,
  previousContent: string,
  editedBy: string,
): Promise<void> {
  await db
    .insertInto('chat.message_edits')
    .values({
      id: sql<string>`gen_random_uuid()`,
      message_id: messageId,
      previous_content: previousContent,
      edited_by: editedBy,
    })
    .execute()
}

export async function editsOf(
  db: ChatDb,
  messageId: string,
): Promise<Array<Omit<MessageEditRow, 'message_id'>>> {
  return db
    .selectFrom('chat.message_edits')
    .select(['id', 'previous_content', 'edited_by', 'edited_at'])
    .where('message_id', '=', messageId)
    .orderBy('edited_at')
    .orderBy('id')
    .execute()
}

/** Tombstones a message (its conversation counts one deleted message more); false when already gone. */
export async function markMessageDeleted(db: Executor, id: string, conversationId: string): Promise<boolean> {
  const row = await db
    .updateTable('chat.messages')
    .set({ deleted_at: sql`now()` })
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .returning('id')
    .executeTakeFirst()
  if (!row) return false
  await db
    .updateTable('chat.conversations')
    .set((eb) => ({ deleted_count: eb('deleted_count', '+', 1) }))
    .where('id', '=', conversationId)
    .execute()
  return true
}

// ---- the send path (group commit) ----------------------------------------------------------------

export interface SendItem {
  id: string
  /** The attachments the message links, in the order the sender listed them. */
  attachmentIds: string[]
  tenantId: string
  conversationId: string
  senderId: string
  content: string
  messageType: MessageType
  replyTo: string | null
  clientId: string | null
}

/** One row of `chat.send_batch` per input item, in input order (see db/functions.sql). */
export interface SendBatchRow {
  o_i: number
  o_status: 'ok' | 'duplicate' | 'not_found' | 'read_only' | 'not_allowed' | 'bad_reply' | 'bad_attachment'
  o_id: string
  o_seq: number
  o_created_at: Date
  d_tenant_id: string | null
  d_conversation_id: string | null
  d_content: string | null
  d_message_type: string | null
  d_reply_to: string | null
  d_edited_at: Date | null
  d_deleted_at: Date | null
  /** For 'bad_attachment': the first attachment refused. */
  o_bad_attachment: string | null
  /** The members the message names (for a duplicate, the stored row's); null when refused. */
  o_mentions: string[] | null
}

/**
 * The whole batch, attachments included, in one statement (one round trip, one transaction):
 * `chat.send_batch` (db/functions.sql), where every send rule lives.
 */
export async function sendBatch(db: ChatDb, items: SendItem[]): Promise<SendBatchRow[]> {
  const attItem: number[] = []
  const attId: string[] = []
  items.forEach((r, k) => {
    for (const a of r.attachmentIds) {
      attItem.push(k + 1)
      attId.push(a)
    }
  })
  const { rows } =
    await sql<SendBatchRow>`select * from chat.send_batch(${items.map((r) => r.id)}::uuid[], ${items.map((r) => r.tenantId)}::text[],
    ${items.map((r) => r.conversationId)}::uuid[], ${items.map((r) => r.senderId)}::uuid[], ${items.map((r) => r.content)}::text[],
    ${items.map((r) => r.messageType)}::text[], ${items.map((r) => r.replyTo)}::uuid[], ${items.map((r) => r.clientId)}::text[],
    ${attItem}::int[], ${attId}::uuid[])`.execute(db)
  return rows
}
