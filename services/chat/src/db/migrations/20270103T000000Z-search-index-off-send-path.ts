import type { Db } from '@parley/platform'
import { sql } from 'kysely'

// The indexer's functions, frozen here as this migration created them (db/functions.sql holds the
// current text; functions.int.test.ts keeps the two equal).
const SEARCH_LOCK_KEY = `
-- chat.search_lock_key: the advisory-lock key of a conversation's search copy. The indexer
-- (chat.index_search) holds it exclusively while it copies; an edit or a delete holds it shared
-- (search/search-index.repository.ts), so the two never interleave on one conversation.
create or replace function chat.search_lock_key(p_conv uuid)
returns bigint
language sql
immutable
as $fn$
  select (6202564::bigint << 32) | (hashtext(p_conv::text)::bigint & 4294967295)
$fn$`

const INDEX_SEARCH = `
-- chat.index_search: one pass of the search indexer (search/search-indexer.ts), in one call.
-- Copies into chat.message_search the next (at most p_per_conv) messages of each conversation
-- past its chat.search_progress mark (deleted ones only move the mark) and moves the marks.
-- Answers, per conversation that had any, how many it read: p_per_conv means more may follow.
create or replace function chat.index_search(p_conv uuid[], p_per_conv int)
returns table (o_conversation_id uuid, o_scanned int)
language plpgsql
as $fn$
begin
  -- Nothing waits for this commit and no ack depends on it.
  perform set_config('synchronous_commit', 'off', true);
  -- In id order, so two indexers (two nodes) never wait for each other in a cycle.
  perform pg_advisory_xact_lock(chat.search_lock_key(k.id))
  from (select distinct u.id from unnest(p_conv) as u(id) order by u.id) k;
  -- A statement of its own, after the locks: its snapshot holds every edit and delete that
  -- committed before them. A conversation's seqs commit in order (under its row lock), so the
  -- messages visible past a mark are a gapless run.
  return query
  with todo as (
    select u.id, coalesce(p.indexed_seq, 0) as from_seq
    from (select distinct x.id from unnest(p_conv) as x(id)) u
    left join chat.search_progress p on p.conversation_id = u.id
  ), scanned as (
    select m.id, m.conversation_id, m.seq, m.content, m.deleted_at
    from todo cross join lateral (
      select m.id, m.conversation_id, m.seq, m.content, m.deleted_at from chat.messages m
      where m.conversation_id = todo.id and m.seq > todo.from_seq
      order by m.seq limit p_per_conv) m
  ), copied as (
    insert into chat.message_search (message_id, conversation_id, seq, content)
    select s.id, s.conversation_id, s.seq, s.content from scanned s where s.deleted_at is null
  ), marked as (
    insert into chat.search_progress as p (conversation_id, indexed_seq)
    select s.conversation_id, max(s.seq) from scanned s group by s.conversation_id
    on conflict (conversation_id) do update set indexed_seq = greatest(p.indexed_seq, excluded.indexed_seq)
  )
  select s.conversation_id, count(*)::int from scanned s group by s.conversation_id;
end
$fn$`

/**
 * Search indexing leaves the send path. The trigram index moves from `chat.messages` to
 * `chat.message_search` (message id, conversation, seq, content), which the search indexer
 * (search/search-indexer.ts) fills 200 ms (PostgreSQL) to 1 s (embedded) after the commit, in
 * batches; `chat.search_progress` holds, per conversation, the seq up to which it has copied. A
 * search reads the copy up to that mark and the messages themselves past it, so nothing
 * acknowledged is ever missing from a result, whatever the indexer has done.
 *
 * Why: on PostgreSQL the trigram index wrote 56 % of the WAL of 1:1 traffic (pg_waldump --stats:
 * Gin/INSERT and Gin/UPDATE_META_PAGE, ~1.75 of ~3.1 kB per message), and every ack waited for its
 * flush (docs/benchmarks/engineering-log.md, 2026-12-04 evening).
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
  // Pending list merged in 256 kB steps, as 20270102T000000Z did for the old index: on PGlite the
  // indexer shares the one database thread with every send, so no single pass may carry a long merge.
  await sql`create index message_search_content_trgm_idx on chat.message_search
    using gin (content ${opclass}) with (gin_pending_list_limit = 256)`.execute(db)
  await sql`drop index chat.messages_content_trgm_idx`.execute(db)
  await sql.raw(SEARCH_LOCK_KEY).execute(db)
  await sql.raw(INDEX_SEARCH).execute(db)
}

export async function down(db: Db): Promise<void> {
  const { rows } = await sql<{ schema: string }>`select extnamespace::regnamespace::text as schema
    from pg_extension where extname = 'pg_trgm'`.execute(db)
  const opclass = sql`${sql.id(rows[0].schema)}.gin_trgm_ops`
  await sql`create index messages_content_trgm_idx on chat.messages using gin (content ${opclass})
    with (gin_pending_list_limit = 256)`.execute(db)
  await sql`drop function chat.index_search(uuid[], int)`.execute(db)
  await sql`drop function chat.search_lock_key(uuid)`.execute(db)
  await sql`drop table chat.search_progress`.execute(db)
  await sql`drop table chat.message_search`.execute(db)
}
