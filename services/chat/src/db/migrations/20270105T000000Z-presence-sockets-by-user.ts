import type { Db } from '@parley/platform'
import { sql } from 'kysely'

/**
 * `chat.presence_sockets` is read by user only (the primary key, user first): the index on
 * `node_id` goes.
 *
 * A node writes its own rows by user, a batch of users at a time. Planned with statistics from
 * before the node existed (a restarted node has a new id, which the statistics have never seen),
 * `node_id = $node` looks like one row, and the index on it was taken: every batch of a reconnect
 * storm read all of the node's rows, so the storm's cost grew with its square (200 users among
 * 10,000 rows: 10,000 read). Without it, a node's rows are found through the key, user by user, or
 * by reading the table when that is cheaper; the two statements that want a node's rows alone (a
 * graceful stop, the sweep of orphans) read the table, once per stop and once per heartbeat.
 */
export async function up(db: Db): Promise<void> {
  await sql`drop index chat.presence_sockets_node_idx`.execute(db)
}

export async function down(db: Db): Promise<void> {
  await sql`create index presence_sockets_node_idx on chat.presence_sockets (node_id)`.execute(db)
}
