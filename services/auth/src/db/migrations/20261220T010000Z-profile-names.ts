import type { Migration } from '@parley/platform'
import { sql } from 'kysely'

/**
 * The names a user chose on their profile (`profile.updated`) replace the ones given at sign-up.
 * `profile_synced_at` is the occurredAt of the profile event applied last: an older one arriving
 * late changes nothing.
 */
export const profileNames: Migration = {
  async up(db) {
    await sql`alter table auth.users add column profile_synced_at timestamptz`.execute(db)
  },
  async down(db) {
    await sql`alter table auth.users drop column profile_synced_at`.execute(db)
  },
}
