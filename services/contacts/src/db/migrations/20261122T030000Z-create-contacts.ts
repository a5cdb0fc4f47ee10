import type { Migration } from '@parley/platform'
import { sql } from 'kysely'

/**
 * The contact graph of SPEC section 5: chat identities (a projection of auth's users plus the
 * chat-only fields), invites, contacts and blocks. Every table is tenant-scoped.
 */
export const createContacts: Migration = {
  async up(db) {
    // @NOTE username/email may be null: the identity is created on first access, possibly before
    // auth's user.registered event has been relayed here.
    await sql`create table contacts.identities (
      user_id uuid primary key,
      tenant_id text not null,
      person_id text not null,
      username text,
      email text,
      first_name text not null default '',
      last_name text not null default '',
      avatar_url text,
      bio text not null default '',
      status text not null default '',
      synced_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db)
    await sql`create unique index identities_tenant_person on contacts.identities (tenant_id, person_id)`.execute(
      db,
    )

    await sql`create table contacts.invites (
      id uuid primary key,
      tenant_id text not null,
      sender_id uuid not null references contacts.identities (user_id),
      recipient_id uuid not null references contacts.identities (user_id),
      status text not null default 'pending'
        check (status in ('pending', 'accepted', 'rejected', 'cancelled')),
      room_id uuid,
      created_at timestamptz not null default now(),
      responded_at timestamptz,
      check (sender_id <> recipient_id)
    )`.execute(db)
    // @NOTE One pending invite per unordered pair: two people inviting each other at once
    // cannot both insert one; the loser re-reads and accepts the winner's invite instead.
    await sql`create unique index invites_one_pending_per_pair on contacts.invites
      (tenant_id, least(sender_id, recipient_id), greatest(sender_id, recipient_id)) where status = 'pending'`.execute(
      db,
    )
    await sql`create index invites_recipient on contacts.invites (recipient_id, status)`.execute(db)
    await sql`create index invites_sender on contacts.invites (sender_id, status)`.execute(db)

    await sql`create table contacts.contacts (
      room_id uuid primary key,
      tenant_id text not null,
      user_a uuid not null references contacts.identities (user_id),
      user_b uuid not null references contacts.identities (user_id),
      invite_id uuid,
      created_at timestamptz not null default now(),
      check (user_a <> user_b)
    )`.execute(db)
    await sql`create unique index contacts_one_per_pair on contacts.contacts
      (tenant_id, least(user_a, user_b), greatest(user_a, user_b))`.execute(db)
    await sql`create index contacts_user_a on contacts.contacts (user_a)`.execute(db)
    await sql`create index contacts_user_b on contacts.contacts (user_b)`.execute(db)

    await sql`create table contacts.blocks (
      blocker_id uuid not null references contacts.identities (user_id),
      blocked_id uuid not null references contacts.identities (user_id),
      tenant_id text not null,
      created_at timestamptz not null default now(),
      primary key (blocker_id, blocked_id),
      check (blocker_id <> blocked_id)
    )`.execute(db)
    await sql`create index blocks_blocked on contacts.blocks (blocked_id)`.execute(db)
  },
  async down(db) {
    await sql`drop table contacts.blocks`.execute(db)
    await sql`drop table contacts.contacts`.execute(db)
    await sql`drop table contacts.invites`.execute(db)
    await sql`drop table contacts.identities`.execute(db)
  },
}
