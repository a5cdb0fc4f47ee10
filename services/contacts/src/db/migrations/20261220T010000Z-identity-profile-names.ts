import type { Migration } from '@parley/platform'
import { sql } from 'kysely'

/**
 * The names a person chose on their profile (`profile.updated`): `display_name`, and first and
 * last names that from then on win over the account's. `profile_synced_at` is the occurredAt of
 * the profile event applied last: an older one arriving late changes nothing.
 */
export const identityProfileNames: Migration = {
  async up(db) {
    await sql`alter table contacts.identities
      add column display_name text,
      add column profile_synced_at timestamptz`.execute(db)
  },
  async down(db) {
    await sql`alter table contacts.identities drop column profile_synced_at, drop column display_name`.execute(
      db,
    )
  },
}
