import type { Db } from '@parley/platform'
import { sql } from 'kysely'

/**
 * Search indexing leaves the send path. The trigram index moves from `chat.messages` to
 * `chat.message_search` (message id, conversation, seq, content), which the search indexer
 * (search/search-indexer.ts) fills a few hundred milliseconds after the commit, in batches;
 * `chat.search_progress` holds, per conversation, the seq up to which it has copied. A search reads
 * the copy up to that mark and the messages themselves past it, so nothing acknowledged is ever
 * missing from a result, whatever the indexer has done.
 *
 * Why: on PostgreSQL the trigram index wrote 56 % of the WAL of 1:1 traffic (pg_waldump --stats:
 * Gin/INSERT and Gin/UPDATE_META_PAGE, ~1.75 of ~3.1 kB per message), and every ack waited for its
 * flush (docs/BENCHMARKS.md, 2026-12-04 evening).
 *
 * Both tables are UNLOGGED: derived data, rebuilt from `chat.messages`, writing no WAL at all (a
 * logged copy committed asynchronously still wrote ~2.6 kB of WAL per message and gained half as
 * much). What that costs: a crash of PostgreSQL empties them (the nodes notice and copy everything
 * again, search reading the messages directly meanwhile), a physical backup or a standby has them
 * empty, and a standby cannot serve search (pg_dump keeps them).
 */
export async function up(db: Db): Promise<void> {
  await sql`create unlogged table chat.message_search (
    message_id uuid primary key,
    conversation_id uuid not null,
    seq bigint not null,
    content text not null
  )`.execute(db)
  await sql`create unlogged table chat.search_progress (
    conversation_id uuid primary key,
    indexed_seq bigint not null
  )`.execute(db)
  // The messages there are now, all indexed (a deleted one is never a hit: it is left out).
  await sql`insert into chat.message_search (message_id, conversation_id, seq, content)
    select id, conversation_id, seq, content from chat.messages where deleted_at is null`.execute(db)
  await sql`insert into chat.search_progress (conversation_id, indexed_seq)
    select conversation_id, max(seq) from chat.messages group by conversation_id`.execute(db)
  // @NOTE The extension may live in another schema (see 20261201T030000Z-search-trigram).
  const { rows } = await sql<{ schema: string }>`select extnamespace::regnamespace::text as schema
    from pg_extension where extname = 'pg_trgm'`.execute(db)
  const opclass = sql`${sql.id(rows[0].schema)}.gin_trgm_ops`
  await sql`create index message_search_content_trgm_idx on chat.message_search
    using gin (content ${opclass})`.execute(db)
  await sql`drop index chat.messages_content_trgm_idx`.execute(db)
}

export async function down(db: Db): Promise<void> {
  const { rows } = await sql<{ schema: string }>`select extnamespace::regnamespace::text as schema
    from pg_extension where extname = 'pg_trgm'`.execute(db)
  const opclass = sql`${sql.id(rows[0].schema)}.gin_trgm_ops`
  await sql`create index messages_content_trgm_idx on chat.messages using gin (content ${opclass})
    with (gin_pending_list_limit = 256)`.execute(db)
  await sql`drop table chat.search_progress`.execute(db)
  await sql`drop table chat.message_search`.execute(db)
}
