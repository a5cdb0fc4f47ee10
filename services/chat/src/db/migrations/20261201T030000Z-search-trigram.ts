import type { Db } from '@parley/platform'
import { sql } from 'kysely'

/**
 * Message search by trigram: a GIN index on `content` serves case-insensitive substring matches
 * (`ILIKE '%term%'`) in any script, Chinese, Japanese and Korean included, on PostgreSQL and
 * PGlite alike (both ship pg_trgm; PGlite loads it in the platform's worker).
 */
export async function up(db: Db): Promise<void> {
  await sql`create extension if not exists pg_trgm`.execute(db)
  // @NOTE The extension may already live in another schema (a DBA installed it, or another
  // service did): name its operator class through the schema it is actually in.
  const { rows } = await sql<{ schema: string }>`select extnamespace::regnamespace::text as schema
    from pg_extension where extname = 'pg_trgm'`.execute(db)
  const opclass = sql`${sql.id(rows[0].schema)}.gin_trgm_ops`
  await sql`create index messages_content_trgm_idx on chat.messages using gin (content ${opclass})`.execute(
    db,
  )
}

export async function down(db: Db): Promise<void> {
  // The extension stays: other schemas of the database may use it.
  await sql`drop index if exists chat.messages_content_trgm_idx`.execute(db)
}
