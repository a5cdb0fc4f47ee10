import type { Migration } from '@parley/platform'
import { sql } from 'kysely'

/**
 * Sign-in with OAuth2 / OpenID Connect: pending authorization requests (single use, keyed by the
 * SHA-256 of `state`), one-time handoffs to the web app, and the links between users and
 * provider accounts. A user who signed up through a provider has no password until a reset sets one.
 */
export const createOAuthTables: Migration = {
  async up(db) {
    await sql`alter table auth.users alter column password_hash drop not null`.execute(db)

    // @NOTE browser_hash binds the request to a cookie set on the same browser (login CSRF).
    await sql`create table auth.oauth_states (
      state_hash text primary key,
      provider text not null,
      tenant_slug text not null,
      code_verifier text not null,
      nonce text not null,
      browser_hash text not null,
      return_to text not null,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null
    )`.execute(db)
    await sql`create index oauth_states_expires on auth.oauth_states (expires_at)`.execute(db)

    await sql`create table auth.oauth_links (
      id uuid primary key,
      tenant_id uuid not null references auth.tenants (id),
      user_id uuid not null references auth.users (id) on delete cascade,
      provider text not null,
      subject text not null,
      email text,
      created_at timestamptz not null default now(),
      last_used_at timestamptz not null default now(),
      constraint oauth_links_tenant_provider_subject_key unique (tenant_id, provider, subject),
      constraint oauth_links_user_provider_key unique (user_id, provider)
    )`.execute(db)

    // @NOTE No tokens are stored: the session starts when the handoff is exchanged.
    await sql`create table auth.oauth_handoffs (
      handoff_hash text primary key,
      user_id uuid not null references auth.users (id) on delete cascade,
      tenant_id uuid not null,
      browser_hash text not null,
      return_to text not null,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null
    )`.execute(db)
  },
  async down(db) {
    for (const table of ['oauth_handoffs', 'oauth_links', 'oauth_states']) {
      await sql`drop table if exists ${sql.table(`auth.${table}`)}`.execute(db)
    }
    await sql`delete from auth.users where password_hash is null`.execute(db)
    await sql`alter table auth.users alter column password_hash set not null`.execute(db)
  },
}
