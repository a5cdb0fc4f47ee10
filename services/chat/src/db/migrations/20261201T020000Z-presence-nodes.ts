import type { Db } from '@parley/platform'
import { sql } from 'kysely'

/**
 * Presence that heals itself: sockets are counted per node, and a node that stops beating its
 * heartbeat (killed, partitioned) has its sockets swept, so its users do not stay online.
 */
export async function up(db: Db): Promise<void> {
  await sql`create table chat.presence_nodes (
    node_id text primary key,
    heartbeat_at timestamptz not null default now()
  )`.execute(db)
  await sql`create table chat.presence_sockets (
    node_id text not null,
    user_id uuid not null,
    sockets int not null check (sockets > 0),
    primary key (user_id, node_id)
  )`.execute(db)
  await sql`create index presence_sockets_node_idx on chat.presence_sockets (node_id)`.execute(db)
  // @NOTE The old per-user count could not tell which node held a socket; it is replaced, not migrated
  // (sockets open during the upgrade reconnect and count again).
  await sql`alter table chat.presence drop column connections`.execute(db)
}

export async function down(db: Db): Promise<void> {
  await sql`alter table chat.presence add column connections int not null default 0`.execute(db)
  await sql`drop table chat.presence_sockets, chat.presence_nodes`.execute(db)
}
