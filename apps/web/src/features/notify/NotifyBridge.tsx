/**
 * Lives in the signed-in shell: keeps the unread total on the tab (title and favicon) and turns
 * live messages into browser notifications when the user has enabled them.
 */
import { useQuery } from '@tanstack/react-query'
import { useEffect } from 'react'
import { useNavigate } from 'react-router'

import { activeConversation, queryClient, realtime } from '../../app/services'
import { Icon } from '../../components/Icon'
import { chat } from '../../lib/endpoints'
import type { Conversation } from '../../lib/types'
import { conversationTitle, useDirectory } from '../chat/directory'
import { BASE_TITLE, showUnread } from './badge'
import { notify, setNotifications, useNotifyState } from './notifications'

export function NotifyBridge() {
  const navigate = useNavigate()
  const dir = useDirectory()
  const list = useQuery({ queryKey: ['conversations'], queryFn: () => chat.conversations() })
  const total = (list.data ?? []).reduce((n, c) => n + (c.unread_count ?? 0), 0)

  useEffect(() => {
    showUnread(total)
  }, [total])
  useEffect(() => () => showUnread(0, document), [])

  useEffect(
    () =>
      realtime.on('new_message', (f) => {
        const m = f.message
        const me = realtime.userId ?? dir.meId
        const c = queryClient
          .getQueryData<Conversation[]>(['conversations'])
          ?.find((x) => x.id === m.conversation_id)
        const where = c ? conversationTitle(c, dir) : BASE_TITLE
        const who = m.sender_name || dir.byUser.get(m.sender_id)?.name || 'Someone'
        notify(
          {
            conversationId: m.conversation_id,
            isDirect: c?.type === 'direct',
            isMine: m.sender_id === me,
            onScreen: activeConversation.id === m.conversation_id,
            title: c?.type === 'direct' ? who : `${who} in ${where}`,
            body: m.content || (m.attachments?.length ? 'Sent an attachment' : 'New message'),
          },
          (id) => void navigate(`/chats/${id}`),
        )
      }),
    [dir, navigate],
  )
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
