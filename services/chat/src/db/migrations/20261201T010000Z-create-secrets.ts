import { randomBytes } from 'node:crypto'

import type { Db } from '@parley/platform'
import { sql } from 'kysely'

/** A signing key for attachment download URLs, shared by every node through the database. */
export async function up(db: Db): Promise<void> {
  await sql`create table chat.secrets (name text primary key, value text not null)`.execute(db)
  await sql`insert into chat.secrets (name, value) values ('attachment-url', ${randomBytes(32).toString('hex')})`.execute(
    db,
  )
}

export async function down(db: Db): Promise<void> {
  await sql`drop table chat.secrets`.execute(db)
}
