import { transaction } from '@parley/platform'
import { type Expression, sql } from 'kysely'

import type { ChatDb, Executor } from '../db/schema'

/**
 * `chat.message_search` holds the text of every standing message of a conversation up to its
 * `chat.search_progress.indexed_seq`; messages past that mark are read from `chat.messages` by the
 * search itself (search.repository.ts, messages.repository.ts). The indexer moves the mark.
 *
 * Content changes (edit, delete) and the indexer never interleave on one conversation: the
 * indexer holds an exclusive transaction lock per conversation while it copies, a content change a
 * shared one. So an edit either commits before the indexer reads (which then copies the new text)
 * or waits for the indexer's commit (and then finds the copied row to update).
 */
const LOCK_SPACE = 0x5ea4c4 // "search": the advisory-lock namespace of these locks

const lockKey = (conversationId: Expression<string> | string) =>
  sql`${LOCK_SPACE}::int, hashtext(${conversationId}::text)`

/** Before a message's text changes or it is deleted, inside that transaction. */
export async function lockForContentChange(tx: Executor, conversationId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock_shared(${lockKey(conversationId)})`.execute(tx)
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
 * index and moves the marks, in one transaction committed asynchronously: nothing waits for it and
 * no acknowledgement depends on it (a copy lost in a crash is lost with its mark, so the search
 * reads those messages directly until they are copied again). Answers how many messages each
 * conversation had past its mark, up to `perConversation`: as many means more may follow.
 */
export async function indexConversations(
  db: ChatDb,
  conversationIds: string[],
  perConversation: number,
): Promise<IndexedConversation[]> {
  const ids = [...new Set(conversationIds)].sort()
  return transaction(db, async (tx) => {
    await sql`select set_config('synchronous_commit', 'off', true)`.execute(tx.db)
    // In id order, so two indexers (two nodes) never wait for each other in a cycle.
    await sql`select pg_advisory_xact_lock(${lockKey(sql.ref('k.id'))})
      from (select u.id from unnest(${ids}::uuid[]) as u(id) order by u.id) k`.execute(tx.db)
    // A statement of its own, after the locks: its snapshot holds every content change that
    // committed before them. (A conversation's seqs commit in order, under its row lock, so the
    // messages visible past a mark are a gapless run.)
    const { rows } = await sql<IndexedConversation>`
      with todo as (
        select u.id, coalesce(p.indexed_seq, 0) as from_seq
        from unnest(${ids}::uuid[]) as u(id)
        left join chat.search_progress p on p.conversation_id = u.id
      ), scanned as (
        select m.id, m.conversation_id, m.seq, m.content, m.deleted_at
        from todo cross join lateral (
          select m.id, m.conversation_id, m.seq, m.content, m.deleted_at from chat.messages m
          where m.conversation_id = todo.id and m.seq > todo.from_seq
          order by m.seq limit ${perConversation}) m
      ), copied as (
        insert into chat.message_search (message_id, conversation_id, seq, content)
        select s.id, s.conversation_id, s.seq, s.content from scanned s where s.deleted_at is null
      ), marked as (
        insert into chat.search_progress as p (conversation_id, indexed_seq)
        select s.conversation_id, max(s.seq) from scanned s group by s.conversation_id
        on conflict (conversation_id) do update set indexed_seq = greatest(p.indexed_seq, excluded.indexed_seq)
      )
      select s.conversation_id, count(*)::int as scanned from scanned s group by s.conversation_id`.execute(
      tx.db,
    )
    return rows
  })
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
