import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Fragment, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react'
import { Link, useSearchParams } from 'react-router'

import { activeConversation, realtime } from '../../app/services'
import { Avatar } from '../../components/Avatar'
import { Icon } from '../../components/Icon'
import { ApiError, errorMessage } from '../../lib/api'
import { chat } from '../../lib/endpoints'
import type { MentionNames } from '../../lib/markdown'
import type { Conversation, DirectPeer, Message, Participant } from '../../lib/types'
import { tickFor } from '../../realtime/chat-store'
import { useConversationState, usePresence } from '../../realtime/hooks'
import { setMuted } from '../notify/settings'
import { Composer } from './Composer'
import { conversationTitle, directPeer, participantName, useDirectory } from './directory'
import { dayKey, dayLabel } from './format'
import { ImageViewer } from './ImageViewer'
import { MembersPanel } from './MembersPanel'
import { type MessageActions, MessageItem, PendingItem } from './MessageItem'

function replyId(m: Message): string | null {
  return m.reply_to
}

export function ChatView({ conversationId }: { conversationId: string }) {
  const qc = useQueryClient()
  const dir = useDirectory()
  const state = useConversationState(conversationId)
  const [loadError, setLoadError] = useState<unknown>(null)
  const [loadingOlder, setLoadingOlder] = useState(false)
  const [replyTo, setReplyTo] = useState<Message | null>(null)
  const [showMembers, setShowMembers] = useState(false)
  const [muting, setMuting] = useState(false)
  const listRef = useRef<HTMLDivElement>(null)
  const stickToBottom = useRef(true)
  const prevHeight = useRef<number | null>(null)
  const markedRef = useRef(0)
  const fileSink = useRef<((files: File[]) => void) | null>(null)
  const [activeSeq, setActiveSeq] = useState<number | null>(null)
  const [viewer, setViewer] = useState<{ src: string; alt: string } | null>(null)
  const [atBottom, setAtBottom] = useState(true)
  const [dragging, setDragging] = useState(false)
  /** Where "New messages" goes: the first message after what I had read when I opened the chat. */
  const [firstUnread, setFirstUnread] = useState<number | null>(null)
  const [unseenBelow, setUnseenBelow] = useState(0)
  // A search hit or a mention opens the conversation at its message: ?message=<id>&seq=<seq>.
  const [params, setParams] = useSearchParams()
  const jumpId = params.get('message')
  const jumpSeq = Number(params.get('seq')) || null
  const jumpRef = useRef<{ id: string | null; seq: number | null }>({ id: jumpId, seq: jumpSeq })
  jumpRef.current = { id: jumpId, seq: jumpSeq }

  const convQ = useQuery({
    queryKey: ['conversation', conversationId],
    queryFn: () => chat.conversation(conversationId),
  })
  const fromList = qc.getQueryData<Conversation[]>(['conversations'])?.find((c) => c.id === conversationId)
  const conv: Conversation | undefined = convQ.data ?? fromList
  const partsQ = useQuery({
    queryKey: ['participants', conversationId],
    queryFn: () => chat.participants(conversationId),
  })
  const participants = useMemo<Array<Participant | DirectPeer>>(
    () => partsQ.data ?? conv?.participants ?? [],
    [partsQ.data, conv?.participants],
  )
  const me = participants.find((p) => p.user_id === dir.meId)
  const myReadAtOpen = useRef<number | null>(null)
  if (myReadAtOpen.current == null && partsQ.data && me)
    myReadAtOpen.current = 'last_read_seq' in me ? me.last_read_seq : 0
  const myRole = me?.role ?? conv?.my_role ?? 'member'
  const isAdmin = myRole === 'owner' || myRole === 'admin'

  // Receipt positions of the members, kept live by read/delivery frames afterwards.
  useEffect(() => {
    if (!partsQ.data) return
    const positions: Record<string, { read: number; delivered: number }> = {}
    for (const p of partsQ.data) {
      const read = p.last_read_seq ?? 0
      positions[p.user_id] = { read, delivered: Math.max(read, p.last_delivered_seq ?? 0) }
    }
    const cur = realtime.store.get(conversationId).positions
    for (const [uid, pos] of Object.entries(cur))
      if (positions[uid])
        positions[uid] = {
          read: Math.max(pos.read, positions[uid].read),
          delivered: Math.max(pos.delivered, positions[uid].delivered),
        }
    realtime.store.setPositions(conversationId, positions)
  }, [partsQ.data, conversationId])

  // Initial page by REST, then a socket catch-up from where it ended.
  useEffect(() => {
    activeConversation.id = conversationId
    setLoadError(null)
    setReplyTo(null)
    stickToBottom.current = true
    markedRef.current = 0
    const snap = realtime.store.get(conversationId)
    const target = jumpRef.current.seq
    if (target) stickToBottom.current = false
    if (snap.loaded) {
      realtime.catchUp(conversationId, snap.contiguousSeq)
      if (target) void loadBackTo(conversationId, target).catch(setLoadError)
    } else if (target)
      // The page around the message, then catch-up from there to the newest (contiguous again).
      chat
        .history(conversationId, { around_seq: target, limit: 50 })
        .then(({ messages, hasMore }) => {
          realtime.store.loadLatest(conversationId, messages, hasMore)
          realtime.catchUp(conversationId, realtime.store.get(conversationId).contiguousSeq)
        })
        .catch(setLoadError)
    else
      chat
        .history(conversationId, { limit: 50 })
        .then(({ messages, hasMore }) => {
          realtime.store.loadLatest(conversationId, messages, hasMore)
          realtime.catchUp(conversationId, realtime.store.get(conversationId).contiguousSeq)
        })
        .catch(setLoadError)
    return () => {
      if (activeConversation.id === conversationId) activeConversation.id = null
    }
  }, [conversationId])

  // Jump: once the message is on the page, show it in the middle, flash it and give it the focus.
  useEffect(() => {
    if (!jumpId) return
    const el = document.getElementById(`msg-${jumpId}`)
    if (!el) return
    stickToBottom.current = false
    el.scrollIntoView({ block: 'center' })
    el.classList.add('msg--flash')
    const seq = Number(el.dataset.seq)
    if (seq) setActiveSeq(seq)
    el.focus({ preventScroll: true })
    setTimeout(() => el.classList.remove('msg--flash'), 1500)
    setParams({}, { replace: true })
  }, [jumpId, state.messages, setParams])

  // Read receipts: mark what is on screen as read while the tab is visible, but not before the
  // participants have answered: my read position at opening (the "New messages" line) is read from
  // them, and a receipt that reached the server first would move it past what is new.
  const lastSeq = state.messages.length ? state.messages[state.messages.length - 1].seq : 0
  const participantsSettled = partsQ.data !== undefined || partsQ.isError
  useEffect(() => {
    const mark = () => {
      if (
        !state.loaded ||
        !participantsSettled ||
        !lastSeq ||
        lastSeq <= markedRef.current ||
        document.visibilityState !== 'visible'
      )
        return
      markedRef.current = lastSeq
      if (!realtime.markRead(conversationId, lastSeq))
        void chat.read(conversationId, lastSeq).catch(() => (markedRef.current = 0))
      qc.setQueryData<Conversation[]>(['conversations'], (list) =>
        list?.map((c) => (c.id === conversationId ? { ...c, unread_count: 0, unread_mention_count: 0 } : c)),
      )
    }
    mark()
    document.addEventListener('visibilitychange', mark)
    return () => document.removeEventListener('visibilitychange', mark)
  }, [conversationId, lastSeq, state.loaded, participantsSettled, qc])

  // @NOTE A conversation list fetched before (or while) this chat was marked read still counts
  // what it had: it arrives after the mark above on a fresh load. Whatever we have marked read here
  // is read, so a later copy of the list does not bring the badge (and the tab's count) back.
  useEffect(
    () =>
      qc.getQueryCache().subscribe((event) => {
        if (event.type !== 'updated' || (event.query.queryKey as readonly unknown[])[0] !== 'conversations')
          return
        const list = event.query.state.data as Conversation[] | undefined
        const stale = list?.find(
          (c) =>
            c.id === conversationId &&
            (c.unread_count ?? 0) > 0 &&
            markedRef.current > 0 &&
            (c.last_message?.seq ?? 0) <= markedRef.current,
        )
        if (stale)
          qc.setQueryData<Conversation[]>(['conversations'], (l) =>
            l?.map((c) => (c.id === conversationId ? { ...c, unread_count: 0, unread_mention_count: 0 } : c)),
          )
      }),
    [conversationId, qc],
  )

  // Scroll: stay at the bottom for new messages; keep position when older ones are prepended.
  useLayoutEffect(() => {
    const el = listRef.current
    if (!el) return
    if (prevHeight.current != null) {
      el.scrollTop += el.scrollHeight - prevHeight.current
      prevHeight.current = null
    } else if (stickToBottom.current) el.scrollTop = el.scrollHeight
  }, [state.messages, state.pending, state.typing])

  // Content that grows after rendering (an image arriving, a font, a reaction row) keeps a reader
  // who was at the bottom at the bottom.
  useEffect(() => {
    const el = listRef.current
    const content = el?.firstElementChild
    if (!el || !content || typeof ResizeObserver === 'undefined') return
    const ro = new ResizeObserver(() => {
      if (stickToBottom.current && prevHeight.current == null) el.scrollTop = el.scrollHeight
    })
    ro.observe(content)
    ro.observe(el)
    return () => ro.disconnect()
  }, [])

  // The "New messages" line: below what was read at opening time, or, for a reader scrolled up,
  // above the first message that arrived meanwhile.
  const lastSeenSeq = useRef(0)
  useEffect(() => {
    if (!state.loaded) return
    const others = state.messages.filter((m) => m.sender_id !== dir.meId)
    if (firstUnread == null && myReadAtOpen.current != null) {
      const first = others.find((m) => m.seq > (myReadAtOpen.current ?? 0))
      if (first) setFirstUnread(first.seq)
      else myReadAtOpen.current = Number.MAX_SAFE_INTEGER
    }
    if (!stickToBottom.current) {
      const fresh = others.filter((m) => m.seq > lastSeenSeq.current)
      if (fresh.length) {
        setUnseenBelow((n) => n + fresh.length)
        if (firstUnread == null) setFirstUnread(fresh[0].seq)
      }
    }
    lastSeenSeq.current = state.messages.length ? state.messages[state.messages.length - 1].seq : 0
    // participantsSettled: they may answer after the messages have loaded.
  }, [state.messages, state.loaded, dir.meId, firstUnread, participantsSettled])

  const scrollToLatest = useCallback(() => {
    const el = listRef.current
    if (!el) return
    stickToBottom.current = true
    el.scrollTo({ top: el.scrollHeight, behavior: 'smooth' })
    setUnseenBelow(0)
  }, [])

  const loadOlder = useCallback(async () => {
    const snap = realtime.store.get(conversationId)
    if (loadingOlder || !snap.hasOlder || !snap.messages.length) return
    setLoadingOlder(true)
    try {
      const { messages, hasMore } = await chat.history(conversationId, {
        before_seq: snap.messages[0].seq,
        limit: 50,
      })
      prevHeight.current = listRef.current?.scrollHeight ?? null
      realtime.store.prependOlder(conversationId, messages, hasMore && messages.length > 0)
    } catch (err) {
      setLoadError(err)
    } finally {
      setLoadingOlder(false)
    }
  }, [conversationId, loadingOlder])

  // Infinite scroll: load older when the top sentinel comes into view.
  const sentinelRef = useRef<HTMLLIElement>(null)
  useEffect(() => {
    const el = sentinelRef.current
    if (!el || typeof IntersectionObserver === 'undefined') return
    const io = new IntersectionObserver(
      (entries) => entries.some((e) => e.isIntersecting) && void loadOlder(),
      { root: listRef.current, rootMargin: '200px 0px 0px 0px' },
    )
    io.observe(el)
    return () => io.disconnect()
  }, [loadOlder, state.hasOlder])

  const nameOf = useCallback(
    (userId: string) => {
      const p = participants.find((x) => x.user_id === userId)
      if (p) return participantName(p)
      return dir.byUser.get(userId)?.name ?? 'Someone'
    },
    // @NOTE dir changes with every live rename, so memoized messages re-render their authors.
    [participants, dir],
  )

  const byId = useMemo(() => new Map(state.messages.map((m) => [m.id, m])), [state.messages])

  // The members each message mentions, by username, to highlight them (and whether it is me).
  const mentionNames = useMemo(() => {
    const usernames = new Map(participants.map((p) => [p.user_id, (p.username ?? '').toLowerCase()]))
    const map = new Map<string, MentionNames>()
    for (const m of state.messages) {
      if (!m.mentions?.length) continue
      const names = new Set(['here', 'channel'])
      for (const id of m.mentions) if (usernames.get(id)) names.add(usernames.get(id)!)
      const mine = new Set<string>()
      if (dir.meId && m.mentions.includes(dir.meId)) {
        for (const n of ['here', 'channel', usernames.get(dir.meId)]) if (n) mine.add(n)
      }
      map.set(m.id, { names, mine })
    }
    return map
  }, [state.messages, participants, dir.meId])
  const mentionables = useMemo(
    () =>
      participants
        .filter((p) => p.user_id !== dir.meId && p.username)
        .map((p) => ({ userId: p.user_id, username: p.username!, name: participantName(p) })),
    [participants, dir.meId],
  )

  const actions = useMemo<MessageActions>(
    () => ({
      onReply: (m) => setReplyTo(m),
      onEdit: async (m, content) => {
        const updated = await chat.edit(conversationId, m.id, content)
        realtime.store.replace(
          updated && updated.id ? updated : { ...m, content, edited_at: new Date().toISOString() },
        )
      },
      onDelete: async (m) => {
        await chat.deleteMessage(conversationId, m.id)
        realtime.store.markDeleted(conversationId, m.id)
      },
      onToggleReaction: (m, emoji, mine) => {
        const me = dir.meId ?? '__me__'
        realtime.store.react(m.id, emoji, me, !mine, conversationId)
        const call = mine ? chat.unreact(m.id, emoji) : chat.react(m.id, emoji)
        call.catch(() => realtime.store.react(m.id, emoji, me, mine, conversationId))
      },
      onOpenImage: (src, alt) => setViewer({ src, alt }),
      onFocusMessage: (seq) => setActiveSeq(seq),
      onJumpTo: (id) => {
        const el = document.getElementById(`msg-${id}`)
        el?.scrollIntoView({ block: 'center', behavior: 'smooth' })
        el?.classList.add('msg--flash')
        setTimeout(() => el?.classList.remove('msg--flash'), 1200)
      },
    }),
    [conversationId, dir.meId],
  )

  const peer = conv ? directPeer(conv, dir) : undefined
  const peerPresence = usePresence(peer?.userId)
  const title = conv ? conversationTitle(conv, dir) : 'Conversation'
  const typingNames = Object.keys(state.typing).map(nameOf)
  const readOnly = !!conv?.is_read_only
  const canPost = !readOnly && (conv?.type !== 'channel' || isAdmin)
  const notFound = loadError instanceof ApiError && loadError.status === 404

  if (notFound)
    return (
      <section className="chat chat--empty" aria-label="Conversation">
        <p role="alert">This conversation does not exist or you are no longer a member.</p>
        <Link to="/chats">Back to chats</Link>
      </section>
    )

  let lastDay = ''
  // The one message in the tab order: the focused one, else the newest.
  const tabSeq =
    activeSeq != null && state.messages.some((m) => m.seq === activeSeq)
      ? activeSeq
      : state.messages.length
        ? state.messages[state.messages.length - 1].seq
        : null
  return (
    <section className="chat" aria-label={`Conversation with ${title}`}>
      <header className="chat__head">
        <Link to="/chats" className="btn btn--icon chat__back" aria-label="Back to conversations">
          <Icon name="back" />
        </Link>
        <Avatar
          name={title}
          url={conv?.avatar_url ?? peer?.avatarUrl}
          presence={conv?.type === 'direct' ? (peerPresence ?? peer?.presence ?? 'offline') : undefined}
        />
        <div className="chat__title">
          <h1>{title}</h1>
          <p className="muted">
            {conv?.type === 'direct'
              ? (peerPresence ?? peer?.presence ?? 'offline') + (peer?.personId ? ` · #${peer.personId}` : '')
              : `${conv?.type === 'channel' ? 'Channel' : 'Group'} · ${participants.length} member${participants.length === 1 ? '' : 's'}`}
          </p>
        </div>
        {conv && (
          <button
            type="button"
            className={`btn btn--icon btn--ghost mute-toggle ${conv.muted ? 'mute-toggle--on' : ''}`}
            aria-pressed={!!conv.muted}
            aria-label="Mute conversation"
            title={
              conv.muted
                ? 'Muted on all your devices: press to unmute'
                : 'Mute notifications for this conversation'
            }
            disabled={muting}
            onClick={async () => {
              setMuting(true)
              try {
                await setMuted(conversationId, !conv.muted)
              } finally {
                setMuting(false)
              }
            }}
          >
            <Icon name={conv.muted ? 'bellOff' : 'bell'} />
          </button>
        )}
        {conv && conv.type !== 'direct' && (
          <button
            type="button"
            className="btn"
            aria-expanded={showMembers}
            onClick={() => setShowMembers((v) => !v)}
          >
            Members
          </button>
        )}
      </header>
      <div className="chat__body">
        <div
          className={`chat__main ${dragging ? 'chat__main--drop' : ''}`}
          onDragOver={(e) => {
            if (!canPost || !e.dataTransfer.types.includes('Files')) return
            e.preventDefault()
            e.dataTransfer.dropEffect = 'copy'
            setDragging(true)
          }}
          onDragLeave={(e) => {
            if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDragging(false)
          }}
          onDrop={(e) => {
            setDragging(false)
            if (!canPost || !e.dataTransfer.files.length) return
            e.preventDefault()
            fileSink.current?.([...e.dataTransfer.files])
          }}
        >
          {dragging && (
            <div className="dropzone" aria-hidden="true">
              Drop files to attach them
            </div>
          )}
          <div className="messages-pane">
            <div
              className="messages"
              ref={listRef}
              role="log"
              aria-label="Messages"
              aria-live="polite"
              onScroll={(e) => {
                const el = e.currentTarget
                const bottom = el.scrollHeight - el.scrollTop - el.clientHeight < 80
                stickToBottom.current = bottom
                setAtBottom(bottom)
                if (bottom) setUnseenBelow(0)
              }}
            >
              <ol className="messages__list">
                {state.hasOlder && (
                  <li ref={sentinelRef} className="messages__older">
                    <button
                      type="button"
                      className="btn btn--small"
                      onClick={() => void loadOlder()}
                      disabled={loadingOlder}
                    >
                      {loadingOlder ? 'Loading…' : 'Load older messages'}
                    </button>
                  </li>
                )}
                {!state.loaded && !loadError && <li className="muted pad">Loading messages…</li>}
                {loadError != null && !notFound && (
                  <li role="alert" className="pad">
                    {errorMessage(loadError)}
                  </li>
                )}
                {state.loaded && state.messages.length === 0 && state.pending.length === 0 && (
                  <li className="muted pad center">No messages yet. Say hello!</li>
                )}
                {state.messages.map((m, i) => {
                  const day = dayKey(m.created_at)
                  const sep = day !== lastDay
                  lastDay = day
                  const prev = state.messages[i - 1]
                  const rid = replyId(m)
                  const target = rid ? byId.get(rid) : undefined
                  const isMine = m.sender_id === dir.meId
                  return (
                    <Fragment key={m.id}>
                      {m.seq === firstUnread && (
                        <li className="unread-sep">
                          <span role="separator" aria-label="New messages">
                            New messages
                          </span>
                        </li>
                      )}
                      {sep && (
                        <li className="day-sep">
                          <span role="separator" aria-label={dayLabel(m.created_at)}>
                            {dayLabel(m.created_at)}
                          </span>
                        </li>
                      )}
                      <MessageItem
                        message={m}
                        isMine={isMine}
                        meId={dir.meId}
                        showSender={
                          conv?.type !== 'direct' && (sep || !prev || prev.sender_id !== m.sender_id)
                        }
                        canDelete={isMine || isAdmin}
                        tick={isMine ? tickFor(m, state.positions, dir.meId) : undefined}
                        replyPreview={
                          rid
                            ? {
                                id: rid,
                                name: target
                                  ? target.sender_id === dir.meId
                                    ? 'You'
                                    : target.sender_name || nameOf(target.sender_id)
                                  : 'Message',
                                text: target
                                  ? target.deleted
                                    ? 'Deleted message'
                                    : target.content || 'Attachment'
                                  : 'Earlier message',
                              }
                            : null
                        }
                        nameOf={nameOf}
                        actions={actions}
                        active={m.seq === tabSeq}
                        mentions={mentionNames.get(m.id)}
                      />
                    </Fragment>
                  )
                })}
                {state.pending.map((p) => (
                  <PendingItem
                    key={p.client_id}
                    p={p}
                    onRetry={() => realtime.retry(p.client_id)}
                    onDiscard={() => realtime.store.discardPending(p.client_id)}
                  />
                ))}
              </ol>
            </div>
            {!atBottom && (
              <button type="button" className="btn jump-latest" onClick={scrollToLatest}>
                <Icon name="down" size={16} />
                {unseenBelow > 0
                  ? `${unseenBelow} new message${unseenBelow === 1 ? '' : 's'}`
                  : 'Jump to latest'}
              </button>
            )}
          </div>
          <div className="typing" role="status" aria-live="polite">
            {typingNames.length > 0 && (
              <>
                <span className="typing__dots" aria-hidden="true">
                  <i />
                  <i />
                  <i />
                </span>
                {typingNames.length === 1
                  ? `${typingNames[0]} is typing…`
                  : `${typingNames.join(', ')} are typing…`}
              </>
            )}
          </div>
          {canPost ? (
            <Composer
              conversationId={conversationId}
              replyTo={
                replyTo
                  ? {
                      message: replyTo,
                      name:
                        replyTo.sender_id === dir.meId
                          ? 'yourself'
                          : replyTo.sender_name || nameOf(replyTo.sender_id),
                    }
                  : null
              }
              onCancelReply={() => setReplyTo(null)}
              members={mentionables}
              canMentionAll={isAdmin && conv?.type !== 'direct'}
              onSent={() => {
                stickToBottom.current = true
                // Replying means the new ones were seen: the line goes.
                myReadAtOpen.current = Number.MAX_SAFE_INTEGER
                setFirstUnread(null)
              }}
              fileSink={fileSink}
            />
          ) : (
            <p className="composer composer--disabled" role="note">
              {readOnly
                ? 'This conversation is read-only.'
                : 'Only owners and admins can post in this channel.'}
            </p>
          )}
        </div>
        {showMembers && conv && conv.type !== 'direct' && (
          <MembersPanel
            conversation={conv}
            participants={participants}
            myRole={myRole}
            meId={dir.meId}
            onClose={() => setShowMembers(false)}
          />
        )}
      </div>
      {viewer && <ImageViewer src={viewer.src} alt={viewer.alt} onClose={() => setViewer(null)} />}
    </section>
  )
}

/** Older pages until the store holds `seq` (a jump to a message above what is loaded). */
async function loadBackTo(conversationId: string, seq: number) {
  for (let i = 0; i < 50; i++) {
    const snap = realtime.store.get(conversationId)
    const first = snap.messages[0]?.seq
    if (first === undefined || first <= seq || !snap.hasOlder) return
    const { messages, hasMore } = await chat.history(conversationId, { before_seq: first, limit: 100 })
    realtime.store.prependOlder(conversationId, messages, hasMore && messages.length > 0)
  }
}
