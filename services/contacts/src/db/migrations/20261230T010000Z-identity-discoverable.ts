import type { Migration } from '@parley/platform'
import { sql } from 'kysely'

/**
 * `discoverable`: whether people of the same tenant find this person by name or username (the
 * people search). On by default, as in a workspace directory; off, the person is still found by
 * person_id, which they share on purpose.
 */
export const identityDiscoverable: Migration = {
  async up(db) {
    await sql`alter table contacts.identities add column discoverable boolean not null default true`.execute(
      db,
    )
  },
  async down(db) {
    await sql`alter table contacts.identities drop column discoverable`.execute(db)
  },
}
