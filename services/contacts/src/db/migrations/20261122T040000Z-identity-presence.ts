import type { Migration } from '@parley/platform'
import { sql } from 'kysely'

/**
 * Presence on each identity, projected from chat's `user.presence_changed` events, so the
 * contact list shows it (SPEC section 5). `presence_changed_at` is the occurredAt of the event
 * applied last: an older event arriving late changes nothing.
 */
export const identityPresence: Migration = {
  async up(db) {
    await sql`alter table contacts.identities
      add column presence_status text not null default 'offline'
        check (presence_status in ('online', 'away', 'busy', 'offline')),
      add column presence_last_seen timestamptz,
      add column presence_changed_at timestamptz`.execute(db)
  },
  async down(db) {
    await sql`alter table contacts.identities
      drop column presence_changed_at,
      drop column presence_last_seen,
      drop column presence_status`.execute(db)
  },
}
