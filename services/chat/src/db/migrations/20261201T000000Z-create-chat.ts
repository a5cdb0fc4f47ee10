import type { Db } from '@parley/platform'
import { sql } from 'kysely'

/** Conversations, members, messages and everything hanging off them, in schema `chat`. */
export async function up(db: Db): Promise<void> {
  // @NOTE One statement per call: PGlite's extended protocol takes a single command.
  for (const statement of SCHEMA.split(/;\s*\n/)
    .map((s) => s.trim())
    .filter(Boolean)) {
    await sql.raw(statement).execute(db)
  }
}

const SCHEMA = `
    create table chat.users (
      id uuid primary key,
      tenant_id text not null,
      person_id text,
      username text,
      first_name text not null default '',
      last_name text not null default '',
      avatar_url text,
      updated_at timestamptz not null default now()
    );
    -- Contact pairs and blocks from the contacts service's events (user_a < user_b).
    create table chat.contacts (
      user_a uuid not null,
      user_b uuid not null,
      room_id uuid not null,
      created_at timestamptz not null default now(),
      primary key (user_a, user_b)
    );
    create table chat.blocks (
      blocker_id uuid not null,
      blocked_id uuid not null,
      primary key (blocker_id, blocked_id)
    );
    create table chat.conversations (
      id uuid primary key,
      tenant_id text not null,
      type text not null check (type in ('direct', 'group', 'channel')),
      name text,
      topic text,
      avatar_url text,
      is_public boolean not null default false,
      is_read_only boolean not null default false,
      last_seq bigint not null default 0,
      deleted_count bigint not null default 0,
      created_by uuid,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      last_message_at timestamptz,
      deleted_at timestamptz
    );
    create index conversations_public_idx on chat.conversations (tenant_id) where is_public and deleted_at is null;
    create table chat.participants (
      conversation_id uuid not null references chat.conversations (id),
      user_id uuid not null,
      role text not null check (role in ('owner', 'admin', 'member')),
      joined_at timestamptz not null default now(),
      last_read_seq bigint not null default 0,
      last_delivered_seq bigint not null default 0,
      left_at timestamptz,
      primary key (conversation_id, user_id)
    );
    create index participants_user_idx on chat.participants (user_id) where left_at is null;
    create table chat.messages (
      id uuid primary key,
      tenant_id text not null,
      conversation_id uuid not null references chat.conversations (id),
      seq bigint not null,
      sender_id uuid not null,
      content text not null,
      message_type text not null,
      reply_to uuid,
      client_id text,
      created_at timestamptz not null default now(),
      edited_at timestamptz,
      deleted_at timestamptz,
      constraint messages_conversation_seq_key unique (conversation_id, seq)
    );
    create unique index messages_sender_client_id_key on chat.messages (sender_id, client_id) where client_id is not null;
    create table chat.message_edits (
      id uuid primary key,
      message_id uuid not null references chat.messages (id),
      previous_content text not null,
      edited_by uuid not null,
      edited_at timestamptz not null default now()
    );
    create index message_edits_message_idx on chat.message_edits (message_id, edited_at);
    create table chat.reactions (
      message_id uuid not null references chat.messages (id),
      user_id uuid not null,
      emoji text not null,
      created_at timestamptz not null default now(),
      primary key (message_id, user_id, emoji)
    );
    create table chat.attachments (
      id uuid primary key,
      tenant_id text not null,
      uploader_id uuid not null,
      conversation_id uuid,
      message_id uuid references chat.messages (id),
      storage_key text not null,
      content_type text not null,
      size bigint not null,
      width int,
      height int,
      filename text,
      created_at timestamptz not null default now()
    );
    create index attachments_message_idx on chat.attachments (message_id) where message_id is not null;
    -- @NOTE Sync cursor is (xid, id): rows are only served once every older transaction has ended,
    -- so a change committed late with a lower id is never skipped (see docs/decisions).
    create table chat.changes (
      id bigserial primary key,
      xid xid8 not null default pg_current_xact_id(),
      conversation_id uuid,
      user_id uuid,
      type text not null,
      data jsonb not null,
      created_at timestamptz not null default now()
    );
    create index changes_conversation_idx on chat.changes (conversation_id, id);
    create index changes_user_idx on chat.changes (user_id, id) where user_id is not null;
    create table chat.presence (
      user_id uuid primary key,
      status text not null default 'online',
      connections int not null default 0,
      last_seen timestamptz
    );
`

export async function down(db: Db): Promise<void> {
  await sql`drop table if exists chat.presence, chat.changes, chat.attachments, chat.reactions, chat.message_edits,
    chat.messages, chat.participants, chat.conversations, chat.blocks, chat.contacts, chat.users`.execute(db)
}
