import { useQuery } from '@tanstack/react-query'
import { useEffect, useMemo, useState } from 'react'
import { NavLink, useParams } from 'react-router'

import { Avatar } from '../../components/Avatar'
import { Icon } from '../../components/Icon'
import { errorMessage } from '../../lib/api'
import { chat } from '../../lib/endpoints'
import type { Conversation, Message } from '../../lib/types'
import { usePresence } from '../../realtime/hooks'
import { presence } from '../../realtime/presence'
import { conversationTitle, type Directory, directPeer, useDirectory } from './directory'
import { shortStamp } from './format'
import { NewConversationDialog } from './NewConversationDialog'

function activityOf(c: Conversation): number {
  const t = c.last_message?.created_at ?? c.last_activity_at ?? c.updated_at ?? c.created_at
  return t ? new Date(t).getTime() : 0
}

function preview(m: Message | null | undefined, meId: string | null): string {
  if (!m) return 'No messages yet'
  if (m.deleted) return 'Message deleted'
  const who = m.sender_id === meId ? 'You: ' : ''
  if (m.message_type === 'image' && !m.content) return `${who}📷 Photo`
  if (m.message_type === 'file' && !m.content) return `${who}📎 File`
  return who + (m.content || (m.attachments?.length ? '📎 Attachment' : ''))
}

export function useConversations() {
  return useQuery({ queryKey: ['conversations'], queryFn: () => chat.conversations() })
}

function Row({ c, dir }: { c: Conversation; dir: Directory }) {
  const peer = directPeer(c, dir)
  const live = usePresence(peer?.userId)
  const status = c.type === 'direct' ? (live ?? peer?.presence ?? 'offline') : undefined
  const title = conversationTitle(c, dir)
  const unread = c.unread_count ?? 0
  const mentions = c.unread_mention_count ?? 0
  return (
    <li>
      <NavLink
        to={`/chats/${c.id}`}
        className={({ isActive }) => `conv ${isActive ? 'conv--active' : ''} ${unread ? 'conv--unread' : ''}`}
        data-conversation-id={c.id}
      >
        <Avatar name={title} url={c.avatar_url ?? peer?.avatarUrl} presence={status} />
        <span className="conv__body">
          <span className="conv__top">
            <span className="conv__title">
              {c.type === 'channel' && <span aria-label="Channel">#</span>}
              {title}
            </span>
            <span className="conv__time">{shortStamp(c.last_message?.created_at ?? c.last_activity_at)}</span>
          </span>
          <span className="conv__bottom">
            <span className="conv__preview">{preview(c.last_message, dir.meId)}</span>
            {status && <span className="sr-only">, {status}</span>}
            {mentions > 0 && (
              <span
                className="badge badge--mention"
                aria-label={`${mentions} unread mention${mentions === 1 ? '' : 's'}`}
              >
                @{mentions > 99 ? '99+' : mentions}
              </span>
            )}
            {c.muted && (
              <span className="conv__muted" role="img" aria-label="Muted" title="Muted">
                <Icon name="bellOff" size={14} />
              </span>
            )}
            {unread > 0 && (
              <span
                className={`badge ${c.muted ? 'badge--muted' : ''}`}
                aria-label={`${unread} unread message${unread === 1 ? '' : 's'}`}
              >
                {unread > 99 ? '99+' : unread}
              </span>
            )}
          </span>
        </span>
      </NavLink>
    </li>
  )
}

export function ConversationList() {
  const q = useConversations()
  const dir = useDirectory()
  const [search, setSearch] = useState('')
  const [dialog, setDialog] = useState<null | 'group' | 'channel'>(null)
  // With a conversation open its title is the page's h1 (the list is hidden on a phone then).
  const Heading = useParams().conversationId ? 'h2' : 'h1'

  // Presence snapshot for the people in direct conversations; live updates come by socket.
  const peerIds = useMemo(
    () =>
      [
        ...new Set((q.data ?? []).map((c) => directPeer(c, dir)?.userId).filter((x): x is string => !!x)),
      ].sort(),
    [q.data, dir],
  )
  const presenceQ = useQuery({
    queryKey: ['presence', peerIds],
    queryFn: () => chat.presence(peerIds),
    enabled: peerIds.length > 0,
    staleTime: 60_000,
  })
  useEffect(() => {
    for (const p of presenceQ.data ?? []) if (p?.user_id && p.status) presence.set(p.user_id, p.status)
  }, [presenceQ.data])

  const mentionTotal = (q.data ?? []).reduce((n, c) => n + (c.unread_mention_count ?? 0), 0)

  const list = useMemo(() => {
    const needle = search.trim().toLowerCase()
    return [...(q.data ?? [])]
      .filter(
        (c) =>
          !needle ||
          conversationTitle(c, dir).toLowerCase().includes(needle) ||
          (c.last_message?.content ?? '').toLowerCase().includes(needle),
      )
      .sort((a, b) => activityOf(b) - activityOf(a))
  }, [q.data, search, dir])

  return (
    <section className="sidebar" aria-label="Conversations">
      <div className="sidebar__head">
        <Heading className="sidebar__title">Chats</Heading>
        <div className="row">
          <button type="button" className="btn btn--small" onClick={() => setDialog('group')}>
            New group
          </button>
          <button type="button" className="btn btn--small" onClick={() => setDialog('channel')}>
            New channel
          </button>
        </div>
      </div>
      <div className="sidebar__search">
        <label htmlFor="conv-search" className="sr-only">
          Search conversations
        </label>
        <input
          id="conv-search"
          type="search"
          placeholder="Search conversations"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
      </div>
      <nav className="sidebar__links" aria-label="Across conversations">
        <NavLink to="/mentions" className="sidebar__link">
          Mentions
          {mentionTotal > 0 && (
            <span
              className="badge badge--mention"
              aria-label={`${mentionTotal} unread mention${mentionTotal === 1 ? '' : 's'}`}
            >
              @{mentionTotal > 99 ? '99+' : mentionTotal}
            </span>
          )}
        </NavLink>
        <NavLink to="/search" className="sidebar__link">
          Search messages
        </NavLink>
      </nav>
      {q.isPending && <p className="muted pad">Loading…</p>}
      {q.isError && (
        <p className="pad" role="alert">
          {errorMessage(q.error)}{' '}
          <button type="button" className="btn btn--link" onClick={() => void q.refetch()}>
            Try again
          </button>
        </p>
      )}
      {q.data && list.length === 0 && (
        <p className="muted pad">
          {search
            ? 'No conversation matches.'
            : 'No conversations yet. Find people on the People page and invite them.'}
        </p>
      )}
      <ul className="conv-list" aria-label="Conversation list">
        {list.map((c) => (
          <Row key={c.id} c={c} dir={dir} />
        ))}
      </ul>
      {dialog && <NewConversationDialog type={dialog} onClose={() => setDialog(null)} />}
    </section>
  )
}
