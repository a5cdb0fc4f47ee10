import type { Db } from '@parley/platform'
import { sql } from 'kysely'

/**
 * Blocks looked up from the blocked side: the realtime hub loads, for each connecting user, the
 * users they have a block with either way, and an invite into a group checks who blocked the
 * inviter. The primary key (blocker_id, blocked_id) serves only the first half.
 */
export async function up(db: Db): Promise<void> {
  await sql`create index blocks_blocked_idx on chat.blocks (blocked_id, blocker_id)`.execute(db)
}

export async function down(db: Db): Promise<void> {
  await sql`drop index if exists chat.blocks_blocked_idx`.execute(db)
}
