import type { MuteStateWire, NotificationSettingsWire } from '@parley/contracts'

import type { ChatDb } from '../db/schema'
import { type Caller, requireMember } from '../participants/membership'
import type { RealtimeHub } from '../realtime/hub'
import { saveMute, saveSettings, settingsOf, type SettingsRow } from './notifications.repository'

/** What the notification settings use. */
export interface NotificationsDeps {
  db: ChatDb
  hub: RealtimeHub
}

function presentSettings(row: SettingsRow): NotificationSettingsWire {
  return {
    do_not_disturb: row.do_not_disturb,
    updated_at: row.updated_at === null ? null : new Date(row.updated_at).toISOString(),
  }
}

/**
 * Mutes or unmutes a conversation for the caller (members only; anything else is a 404), and
 * tells every socket of theirs so each device stops (or resumes) notifying at once.
 */
export async function setMuted(
  deps: NotificationsDeps,
  caller: Caller,
  conversationId: string,
  muted: boolean,
): Promise<MuteStateWire> {
  await requireMember(deps.db, caller, conversationId)
  await saveMute(deps.db, { userId: caller.userId, tenantId: caller.tenantId, conversationId, muted })
  const state = { conversation_id: conversationId, muted }
  deps.hub.toUser(caller.userId, 'conversation_muted', state)
  return state
}

export async function getSettings(
  deps: NotificationsDeps,
  caller: Caller,
): Promise<NotificationSettingsWire> {
  return presentSettings(await settingsOf(deps.db, caller.userId))
}

/** Turns do-not-disturb on or off for the caller, on every device. */
export async function updateSettings(
  deps: NotificationsDeps,
  caller: Caller,
  patch: { doNotDisturb: boolean },
): Promise<NotificationSettingsWire> {
  const row = await saveSettings(deps.db, {
    userId: caller.userId,
    tenantId: caller.tenantId,
    doNotDisturb: patch.doNotDisturb,
  })
  const settings = presentSettings(row)
  deps.hub.toUser(caller.userId, 'notification_settings', settings)
  return settings
}
