/**
 * Lives in the signed-in shell: keeps the unread total on the tab (title and favicon), turns
 * live messages into browser notifications when the user has enabled them (unless muted or in
 * do-not-disturb, as the server says), and keeps this browser's Web Push subscription current.
 */
import { useQuery } from '@tanstack/react-query'
import { useCallback, useEffect, useState } from 'react'
import { useNavigate } from 'react-router'

import { activeConversation, queryClient, realtime } from '../../app/services'
import { Icon } from '../../components/Icon'
import { chat } from '../../lib/endpoints'
import type { Conversation, Message } from '../../lib/types'
import { conversationTitle, useDirectory } from '../chat/directory'
import { showUnread } from './badge'
import { notify, notifyState, setNotifications, useNotifyState } from './notifications'
import { enablePush } from './push'
import {
  applyMute,
  applySettings,
  doNotDisturbNow,
  setDoNotDisturb,
  useNotificationSettings,
} from './settings'

export function NotifyBridge() {
  const navigate = useNavigate()
  const dir = useDirectory()
  const list = useQuery({ queryKey: ['conversations'], queryFn: () => chat.conversations() })
  const total = (list.data ?? []).reduce((n, c) => n + (c.unread_count ?? 0), 0)

  useEffect(() => {
    showUnread(total)
  }, [total])
  useEffect(() => () => showUnread(0, document), [])
  useNotificationSettings()

  useEffect(() => {
    const offMute = realtime.on('conversation_muted', (f) => applyMute(f))
    const offSettings = realtime.on('notification_settings', (f) => applySettings(f))
    // @NOTE After a sign-in this browser's push subscription must belong to the new user.
    if (notifyState() === 'on') void enablePush({ automatic: true })
    return () => {
      offMute()
      offSettings()
    }
  }, [])

  const onMessage = useCallback(
    async (m: Message) => {
      const me = realtime.userId ?? dir.meId
      if (notifyState() !== 'on' || m.sender_id === me) return
      // @NOTE Whether it notifies depends on the conversation's type and mute: a conversation the
      // list has not loaded yet (a page that just opened, a new contact) is fetched first.
      const c =
        queryClient
          .getQueryData<Conversation[]>(['conversations'])
          ?.find((x) => x.id === m.conversation_id) ??
        (await queryClient
          .fetchQuery({
            queryKey: ['conversation', m.conversation_id],
            queryFn: () => chat.conversation(m.conversation_id),
          })
          .catch(() => undefined))
      if (!c) return
      const where = conversationTitle(c, dir)
      const who = m.sender_name || dir.byUser.get(m.sender_id)?.name || 'Someone'
      notify(
        {
          conversationId: m.conversation_id,
          conversationType: c.type,
          senderId: m.sender_id,
          messageType: m.message_type,
          mentions: m.mentions,
          onScreen: activeConversation.id === m.conversation_id,
          title: c.type === 'direct' ? who : `${who} in ${where}`,
          body: m.content || (m.attachments?.length ? 'Sent an attachment' : 'New message'),
        },
        { meId: me ?? null, muted: !!c.muted, doNotDisturb: await doNotDisturbNow() },
        (id) => void navigate(`/chats/${id}`),
      )
    },
    [dir, navigate],
  )
  useEffect(() => realtime.on('new_message', (f) => void onMessage(f.message)), [onMessage])
  return null
}

/** The one place the browser's permission is asked for: a button the user presses. */
export function NotificationsToggle() {
  const state = useNotifyState()
  if (state === 'unsupported') return null
  if (state === 'denied')
    return (
      <span
        className="btn btn--icon btn--ghost notify-toggle"
        role="img"
        aria-label="Notifications blocked by the browser"
        title="Notifications are blocked in the browser settings"
      >
        <Icon name="bellOff" />
      </span>
    )
  const on = state === 'on'
  return (
    <button
      type="button"
      className="btn btn--icon btn--ghost notify-toggle"
      aria-pressed={on}
      aria-label={on ? 'Notifications on' : 'Enable notifications'}
      title={on ? 'Notifications are on: press to turn them off' : 'Enable notifications'}
      onClick={() => void setNotifications(!on)}
    >
      <Icon name={on ? 'bell' : 'bellOff'} />
    </button>
  )
}

/** Do-not-disturb, kept by the server for every device of mine: no notification anywhere while on. */
export function DoNotDisturbToggle() {
  const settings = useNotificationSettings()
  const [busy, setBusy] = useState(false)
  const on = settings.data?.do_not_disturb ?? false
  return (
    <button
      type="button"
      className={`btn btn--icon btn--ghost dnd-toggle ${on ? 'dnd-toggle--on' : ''}`}
      aria-pressed={on}
      aria-label="Do not disturb"
      title={on ? 'Do not disturb is on: no notifications on any device' : 'Turn on do not disturb'}
      disabled={busy || !settings.data}
      onClick={async () => {
        setBusy(true)
        try {
          await setDoNotDisturb(!on)
        } finally {
          setBusy(false)
        }
      }}
    >
      <Icon name="moon" />
    </button>
  )
}
