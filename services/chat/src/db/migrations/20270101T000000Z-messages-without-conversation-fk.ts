import type { Db } from '@parley/platform'
import { sql } from 'kysely'

/**
 * chat.messages no longer carries a foreign key to chat.conversations. Its one writer,
 * chat.send_batch (db/functions.sql), already refuses a message whose conversation does not exist
 * or is deleted, with the conversation row locked FOR UPDATE until COMMIT; and conversations are
 * never removed (a delete sets `deleted_at`). The key re-checked the same thing with one more query
 * per inserted row: ~11 % of send_batch's time for a batch of 15 on PostgreSQL (pgbench, one
 * client: 2.50 against 2.23 ms per batch), on the path every message takes.
 */
export async function up(db: Db): Promise<void> {
  await sql`alter table chat.messages drop constraint if exists messages_conversation_id_fkey`.execute(db)
}

export async function down(db: Db): Promise<void> {
  await sql`alter table chat.messages add constraint messages_conversation_id_fkey
    foreign key (conversation_id) references chat.conversations (id)`.execute(db)
}
