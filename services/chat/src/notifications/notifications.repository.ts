import { sql } from 'kysely'

import type { ChatDb, Executor } from '../db/schema'

/** Mutes (`muted`) or unmutes a conversation for one user; idempotent. */
export async function saveMute(
  db: Executor,
  m: { userId: string; tenantId: string; conversationId: string; muted: boolean },
): Promise<void> {
  if (m.muted) {
    await db
      .insertInto('chat.conversation_mutes')
      .values({ user_id: m.userId, tenant_id: m.tenantId, conversation_id: m.conversationId })
      .onConflict((oc) => oc.columns(['user_id', 'conversation_id']).doNothing())
      .execute()
  } else {
    await db
      .deleteFrom('chat.conversation_mutes')
      .where('user_id', '=', m.userId)
      .where('conversation_id', '=', m.conversationId)
      .execute()
  }
}

/** The conversations among `conversationIds` that `userId` muted. */
export async function mutedAmong(
  db: ChatDb,
  userId: string,
  conversationIds: string[],
): Promise<Set<string>> {
  if (conversationIds.length === 0) return new Set()
  const rows = await db
    .selectFrom('chat.conversation_mutes')
    .select('conversation_id')
    .where('user_id', '=', userId)
    .where('conversation_id', 'in', conversationIds)
    .execute()
  return new Set(rows.map((r) => r.conversation_id))
}

export interface SettingsRow {
  do_not_disturb: boolean
  updated_at: Date | null
}

/** A user's notification settings; the defaults (no row) read as do_not_disturb false. */
export async function settingsOf(db: ChatDb, userId: string): Promise<SettingsRow> {
  const row = await db
    .selectFrom('chat.notification_settings')
    .select(['do_not_disturb', 'updated_at'])
    .where('user_id', '=', userId)
    .executeTakeFirst()
  return row ?? { do_not_disturb: false, updated_at: null }
}

export async function saveSettings(
  db: Executor,
  s: { userId: string; tenantId: string; doNotDisturb: boolean },
): Promise<SettingsRow> {
  return db
    .insertInto('chat.notification_settings')
    .values({ user_id: s.userId, tenant_id: s.tenantId, do_not_disturb: s.doNotDisturb })
    .onConflict((oc) =>
      oc.column('user_id').doUpdateSet({ do_not_disturb: s.doNotDisturb, updated_at: sql`now()` }),
    )
    .returning(['do_not_disturb', 'updated_at'])
    .executeTakeFirstOrThrow()
}
