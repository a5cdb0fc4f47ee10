import type { Migration } from '@parley/platform'
import { sql } from 'kysely'

/** Tenants, users, refresh-token families and tokens, reset tokens, revoked sessions, signing keys. */
export const createAuthTables: Migration = {
  async up(db) {
    await sql`create table auth.tenants (
      id uuid primary key,
      slug text not null,
      name text not null,
      owner_id uuid,
      created_at timestamptz not null default now(),
      constraint tenants_slug_key unique (slug)
    )`.execute(db)

    await sql`create table auth.users (
      id uuid primary key,
      tenant_id uuid not null references auth.tenants (id),
      person_id text not null,
      email text not null,
      username text not null,
      password_hash text not null,
      first_name text not null default '',
      last_name text not null default '',
      avatar_key text,
      date_joined timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint users_tenant_person_key unique (tenant_id, person_id)
    )`.execute(db)
    await sql`create unique index users_tenant_email_key on auth.users (tenant_id, lower(email))`.execute(db)
    await sql`create unique index users_tenant_username_key on auth.users (tenant_id, lower(username))`.execute(
      db,
    )

    // @NOTE A family is one sign-in (one device); its id is the access token's `sid` claim.
    await sql`create table auth.refresh_families (
      id uuid primary key,
      user_id uuid not null references auth.users (id) on delete cascade,
      tenant_id uuid not null,
      created_at timestamptz not null default now(),
      last_issued_at timestamptz not null default now(),
      revoked_at timestamptz,
      revoked_reason text
    )`.execute(db)
    await sql`create index refresh_families_user on auth.refresh_families (user_id) where revoked_at is null`.execute(
      db,
    )

    // @NOTE Only SHA-256 of a refresh token is stored. grace_box holds the pair that replaced it,
    // encrypted under a key derived from the token itself, for the 10-second two-tabs grace.
    await sql`create table auth.refresh_tokens (
      id uuid primary key,
      family_id uuid not null references auth.refresh_families (id) on delete cascade,
      token_hash text not null,
      parent_id uuid,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      used_at timestamptz,
      replaced_by uuid,
      grace_box text,
      constraint refresh_tokens_hash_key unique (token_hash)
    )`.execute(db)
    await sql`create index refresh_tokens_family on auth.refresh_tokens (family_id)`.execute(db)

    await sql`create table auth.password_resets (
      id uuid primary key,
      user_id uuid not null references auth.users (id) on delete cascade,
      token_hash text not null,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      used_at timestamptz,
      constraint password_resets_hash_key unique (token_hash)
    )`.execute(db)
    await sql`create index password_resets_user on auth.password_resets (user_id) where used_at is null`.execute(
      db,
    )

    await sql`create table auth.revoked_sessions (
      session_id uuid primary key,
      revoked_until timestamptz not null,
      created_at timestamptz not null default now()
    )`.execute(db)

    // @NOTE Used with DATABASE_URL so every node signs with the same key; generation makes the
    // first start's insert-if-absent agree across nodes, and later generations rotate.
    await sql`create table auth.signing_keys (
      kid text primary key,
      generation int not null,
      alg text not null,
      private_jwk text not null,
      public_jwk text not null,
      created_at timestamptz not null default now(),
      retired_at timestamptz,
      constraint signing_keys_generation_key unique (generation)
    )`.execute(db)
  },
  async down(db) {
    for (const table of [
      'signing_keys',
      'revoked_sessions',
      'password_resets',
      'refresh_tokens',
      'refresh_families',
      'users',
      'tenants',
    ]) {
      await sql`drop table if exists ${sql.table(`auth.${table}`)}`.execute(db)
    }
  },
}
