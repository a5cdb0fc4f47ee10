import type { Db } from '@parley/platform'
import { sql } from 'kysely'

/**
 * The search copy's trigram index merges its pending list 1 MB at a time instead of 256 kB.
 *
 * The 256 kB of 20270102T000000Z kept a merge short when it ran inside a `chat.send_batch` and its
 * senders waited for it. Since 20270103T000000Z only the search indexer inserts here, off the send
 * path, so what counts is the merge's total cost: each merge rewrites the posting list of every
 * trigram it touches, and four times fewer of them cost PostgreSQL ~8 % less CPU per message of
 * 1:1 traffic (docs/benchmarks/engineering-log.md, session of 2026-12-06, late). A search reads the whole pending
 * list: at 1 MB that is at most ~130 pages, about a millisecond.
 */
export async function up(db: Db): Promise<void> {
  await sql`alter index chat.message_search_content_trgm_idx set (gin_pending_list_limit = 1024)`.execute(db)
}

export async function down(db: Db): Promise<void> {
  await sql`alter index chat.message_search_content_trgm_idx set (gin_pending_list_limit = 256)`.execute(db)
}
