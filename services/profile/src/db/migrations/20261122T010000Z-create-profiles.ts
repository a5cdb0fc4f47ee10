import type { Db } from '@parley/platform'
import { sql } from 'kysely'

/**
 * Profiles, addresses and cards. Cards keep no card number: only brand, last four digits and a
 * keyed fingerprint (SPEC section 4, PCI DSS practice).
 */
export const createProfiles = {
  async up(db: Db) {
    await sql`
      create table profile.profiles (
        user_id uuid primary key,
        tenant_id uuid not null,
        person_id text not null,
        email text,
        username text,
        first_name text,
        last_name text,
        first_name_is_custom boolean not null default false,
        last_name_is_custom boolean not null default false,
        display_name text,
        primary_phone text,
        alternate_phone text,
        gender text check (gender in ('female', 'male', 'non_binary', 'other', 'prefer_not_to_say')),
        date_of_birth date,
        status_message text,
        avatar_url text,
        account_synced_at timestamptz,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )`.execute(db)
    await sql`create index profiles_tenant_idx on profile.profiles (tenant_id)`.execute(db)

    await sql`
      create table profile.addresses (
        id uuid primary key,
        tenant_id uuid not null,
        user_id uuid not null references profile.profiles (user_id) on delete cascade,
        address_type text not null check (address_type in ('home', 'work', 'billing', 'shipping', 'other')),
        line1 text not null,
        line2 text,
        country char(2) not null,
        state text,
        city text not null,
        zip_code text,
        phone_number text,
        is_default boolean not null default false,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )`.execute(db)
    await sql`create unique index addresses_user_type_key on profile.addresses (user_id, address_type)`.execute(
      db,
    )
    // @NOTE The service clears the old default in the same transaction; this index is the backstop.
    await sql`create unique index addresses_one_default_key on profile.addresses (user_id) where is_default`.execute(
      db,
    )

    await sql`
      create table profile.cards (
        id uuid primary key,
        tenant_id uuid not null,
        user_id uuid not null references profile.profiles (user_id) on delete cascade,
        card_type text not null check (card_type in ('credit', 'debit', 'prepaid')),
        card_brand text not null,
        last4 char(4) not null,
        fingerprint text not null,
        card_holder_name text not null,
        expiry_month smallint not null check (expiry_month between 1 and 12),
        expiry_year smallint not null,
        is_default boolean not null default false,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )`.execute(db)
    await sql`create unique index cards_user_fingerprint_key on profile.cards (user_id, fingerprint)`.execute(
      db,
    )
    await sql`create unique index cards_one_default_key on profile.cards (user_id) where is_default`.execute(
      db,
    )
  },

  async down(db: Db) {
    await sql`drop table if exists profile.cards`.execute(db)
    await sql`drop table if exists profile.addresses`.execute(db)
    await sql`drop table if exists profile.profiles`.execute(db)
  },
}
