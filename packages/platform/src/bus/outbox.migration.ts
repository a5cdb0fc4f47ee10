import { sql } from 'kysely'

import type { Migration } from '../db/migrate'

/**
 * The transactional outbox and the consumers' inbox (dedupe by event id) in a service's
 * own schema. Every service lists this among its migrations.
 */
export function outboxMigration(schema: string): Migration {
  const s = sql.id(schema)
  return {
    async up(db) {
      await sql`create table ${s}.outbox (
        seq bigserial primary key,
        id uuid not null unique,
        type text not null,
        tenant_id text not null,
        payload jsonb not null,
        occurred_at timestamptz not null default now(),
        published_at timestamptz,
        attempts int not null default 0,
        last_error text,
        dead_lettered_at timestamptz
      )`.execute(db)
      await sql`create index outbox_unpublished on ${s}.outbox (seq) where published_at is null and dead_lettered_at is null`.execute(
        db,
      )
      await sql`create table ${s}.inbox (
        consumer text not null,
        event_id uuid not null,
        processed_at timestamptz not null default now(),
        primary key (consumer, event_id)
      )`.execute(db)
    },
    async down(db) {
      await sql`drop table ${s}.inbox`.execute(db)
      await sql`drop table ${s}.outbox`.execute(db)
    },
  }
}
