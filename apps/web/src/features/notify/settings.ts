/**
 * Mute and do-not-disturb as the server keeps them, so every device agrees: read through the
 * conversation list (`muted`) and GET notifications/settings, changed by REST, and kept live by
 * the `conversation_muted` / `notification_settings` frames sent to all of my sockets.
 */
import type { MuteStateWire, NotificationSettingsWire } from '@parley/contracts'
import { useQuery } from '@tanstack/react-query'

import { queryClient } from '../../app/services'
import { chat } from '../../lib/endpoints'
import type { Conversation } from '../../lib/types'

export const SETTINGS_KEY = ['notification-settings'] as const

export function useNotificationSettings() {
  return useQuery({ queryKey: SETTINGS_KEY, queryFn: () => chat.notificationSettings() })
}

/** Do-not-disturb as the server says (loaded first if this page has not yet). */
export async function doNotDisturbNow(): Promise<boolean> {
  try {
    const settings = await queryClient.ensureQueryData({
      queryKey: SETTINGS_KEY,
      queryFn: () => chat.notificationSettings(),
    })
    return settings.do_not_disturb
  } catch {
    return false
  }
}

export function applySettings(settings: NotificationSettingsWire): void {
  queryClient.setQueryData(SETTINGS_KEY, settings)
}

/** Puts a mute state into the cached list and the cached conversation. */
export function applyMute({ conversation_id, muted }: MuteStateWire): void {
  queryClient.setQueryData<Conversation[]>(['conversations'], (list) =>
    list?.map((c) => (c.id === conversation_id ? { ...c, muted } : c)),
  )
  queryClient.setQueryData<Conversation>(['conversation', conversation_id], (c) => (c ? { ...c, muted } : c))
}

export async function setDoNotDisturb(on: boolean): Promise<void> {
  applySettings(await chat.updateNotificationSettings({ do_not_disturb: on }))
}

export async function setMuted(conversationId: string, muted: boolean): Promise<void> {
  applyMute(await chat.mute(conversationId, muted))
}
