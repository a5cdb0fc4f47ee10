import type { Db } from '@parley/platform'
import { sql } from 'kysely'

/**
 * Notifications the server knows about (issue 18): per-conversation mute per user, a per-user
 * do-not-disturb switch, and Web Push subscriptions (one per browser: the push endpoint is
 * unique). The VAPID key pair is generated lazily into `chat.secrets` when VAPID_* is unset.
 */
export async function up(db: Db): Promise<void> {
  // @NOTE One statement per call: PGlite's extended protocol takes a single command.
  for (const statement of UP.split(/;\s*\n/)
    .map((s) => s.trim())
    .filter(Boolean)) {
    await sql.raw(statement).execute(db)
  }
}

export async function down(db: Db): Promise<void> {
  await sql`drop table if exists chat.push_subscriptions`.execute(db)
  await sql`drop table if exists chat.notification_settings`.execute(db)
  await sql`drop table if exists chat.conversation_mutes`.execute(db)
}

const UP = `
    create table chat.conversation_mutes (
      user_id uuid not null,
      conversation_id uuid not null references chat.conversations (id),
      tenant_id text not null,
      muted_at timestamptz not null default now(),
      primary key (user_id, conversation_id)
    );
    create table chat.notification_settings (
      user_id uuid primary key,
      tenant_id text not null,
      do_not_disturb boolean not null default false,
      updated_at timestamptz not null default now()
    );
    create table chat.push_subscriptions (
      id uuid primary key,
      tenant_id text not null,
      user_id uuid not null,
      endpoint text not null,
      p256dh text not null,
      auth text not null,
      created_at timestamptz not null default now(),
      last_success_at timestamptz,
      constraint push_subscriptions_endpoint_key unique (endpoint)
    );
    create index push_subscriptions_user_idx on chat.push_subscriptions (user_id);
`
