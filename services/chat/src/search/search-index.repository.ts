import { sql } from 'kysely'

import type { ChatDb, Executor } from '../db/schema'

/*
 * `chat.message_search` holds the text of every standing message of a conversation up to its
 * `chat.search_progress.indexed_seq`; messages past that mark are read from `chat.messages` by the
 * search itself (search.repository.ts, messages.repository.ts). The indexer moves the mark.
 *
 * Content changes (edit, delete) and the indexer never interleave on one conversation: the
 * indexer holds an exclusive transaction lock per conversation while it copies, a content change a
 * shared one. So an edit either commits before the indexer reads (which then copies the new text)
 * or waits for the indexer's commit (and then finds the copied row to update).
 */
/** Before a message's text changes or it is deleted, inside that transaction. */
export async function lockForContentChange(tx: Executor, conversationId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock_shared(chat.search_lock_key(${conversationId}))`.execute(tx)
}

/** An edit's new text, where the message is indexed already (otherwise the indexer copies it later). */
export async function setIndexedContent(tx: Executor, messageId: string, content: string): Promise<void> {
  await tx.updateTable('chat.message_search').set({ content }).where('message_id', '=', messageId).execute()
}

/** A deleted message is no hit: its copy goes. */
export async function removeFromIndex(tx: Executor, messageId: string): Promise<void> {
  await tx.deleteFrom('chat.message_search').where('message_id', '=', messageId).execute()
}

export interface IndexedConversation {
  conversation_id: string
  /** Messages read past the old mark (the copy of deleted ones is skipped). */
  scanned: number
}

/**
 * Copies the next (at most `perConversation`) messages past each conversation's mark into the
 * index and moves the marks: one call of `chat.index_search` (db/functions.sql), one transaction
 * that nothing waits for and no acknowledgement depends on. Answers how many messages each
 * conversation had past its mark, up to `perConversation`: as many means more may follow.
 */
export async function indexConversations(
  db: ChatDb,
  conversationIds: string[],
  perConversation: number,
): Promise<IndexedConversation[]> {
  const { rows } = await sql<{
    o_conversation_id: string
    o_scanned: number
  }>`select * from chat.index_search(
    ${conversationIds}::uuid[], ${perConversation}::int)`.execute(db)
  return rows.map((r) => ({ conversation_id: r.o_conversation_id, scanned: r.o_scanned }))
}

/**
 * The row that says a catch-up has begun since the index tables were created or last emptied.
 * They are UNLOGGED (migration 20270103T000000Z): a crash of PostgreSQL empties them, and its
 * absence tells the running nodes to copy everything again.
 */
const CATCH_UP_MARK = '00000000-0000-0000-0000-000000000000'

export async function setCatchUpMark(db: ChatDb): Promise<void> {
  await db
    .insertInto('chat.search_progress')
    .values({ conversation_id: CATCH_UP_MARK, indexed_seq: 0 })
    .onConflict((oc) => oc.column('conversation_id').doNothing())
    .execute()
}

export async function hasCatchUpMark(db: ChatDb): Promise<boolean> {
  const row = await db
    .selectFrom('chat.search_progress')
    .select('indexed_seq')
    .where('conversation_id', '=', CATCH_UP_MARK)
    .executeTakeFirst()
  return row !== undefined
}

/** Conversations with messages past their mark (what a stopped node, or an emptied index, left). */
export async function conversationsBehind(
  db: ChatDb,
  afterId: string | undefined,
  limit: number,
): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`select c.id from chat.conversations c
    left join chat.search_progress p on p.conversation_id = c.id
    where c.last_seq > coalesce(p.indexed_seq, 0) ${afterId === undefined ? sql`` : sql`and c.id > ${afterId}`}
    order by c.id
    limit ${limit}`.execute(db)
  return rows.map((r) => r.id)
}
