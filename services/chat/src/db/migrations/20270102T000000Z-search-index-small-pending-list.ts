import type { Db } from '@parley/platform'
import { sql } from 'kysely'

/**
 * The trigram index on message content (search) gathers new entries in a pending list that is
 * merged into the index by whichever insert overflows it. At PostgreSQL's default limit (4 MB)
 * that insert is one `chat.send_batch` every second or two under load, held 40–90 ms by the merge
 * while its senders wait for their acks: most of the p99 of 1:1 traffic (docs/benchmarks/engineering-log.md,
 * session of 2026-12-04). At 256 kB the merges are small and frequent, so no one batch carries
 * one long one. Searches read the pending list too, so nothing becomes findable later.
 */
export async function up(db: Db): Promise<void> {
  await sql`alter index chat.messages_content_trgm_idx set (gin_pending_list_limit = 256)`.execute(db)
}

export async function down(db: Db): Promise<void> {
  await sql`alter index chat.messages_content_trgm_idx reset (gin_pending_list_limit)`.execute(db)
}
