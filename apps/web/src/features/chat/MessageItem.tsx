import { type KeyboardEvent, memo, useRef, useState } from 'react'

import { Icon } from '../../components/Icon'
import { LazyEmojiPicker } from '../../components/LazyEmojiPicker'
import { errorMessage } from '../../lib/api'
import { Markdown, type MentionNames } from '../../lib/markdown'
import type { Attachment, Message } from '../../lib/types'
import type { PendingMessage, Tick } from '../../realtime/chat-store'
import { livePeople } from '../../realtime/people'
import { normalizeReactions } from '../../realtime/reactions'
import { AuthedImage, downloadAuthed } from './AuthedImage'
import { fileSize, timeLabel } from './format'

export const QUICK_REACTIONS = ['👍', '❤️', '😂', '😮', '😢', '🎉'] as const

const TICK_LABEL: Record<Tick, string> = {
  sending: 'Sending',
  failed: 'Not sent',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
}
const TICK_GLYPH: Record<Tick, string> = { sending: '', failed: '!', sent: '✓', delivered: '✓✓', read: '✓✓' }

export function TickMark({ tick }: { tick: Tick }) {
  return (
    <span
      className={`tick tick--${tick}`}
      role="img"
      aria-label={TICK_LABEL[tick]}
      title={TICK_LABEL[tick]}
      data-status={tick}
    >
      {tick === 'sending' ? <Icon name="clock" size={12} /> : TICK_GLYPH[tick]}
    </span>
  )
}

function attachmentName(a: Attachment, fallback?: string): string {
  return a.filename ?? fallback ?? decodeURIComponent(a.url.split('/').pop()?.split('?')[0] || 'file')
}

/** A file's download button; a refused or failed download says why beside it (and may be retried). */
function FileDownload({
  attachment,
  name,
  tabIndex,
}: {
  attachment: Attachment
  name: string
  tabIndex?: number
}) {
  const [error, setError] = useState<string | null>(null)
  return (
    <span className="attachment__download">
      <button
        type="button"
        tabIndex={tabIndex}
        className="attachment__file"
        onClick={() => {
          setError(null)
          downloadAuthed(attachment.url, name).catch((err: unknown) =>
            setError(`Could not download ${name}: ${errorMessage(err)}`),
          )
        }}
      >
        <Icon name="file" size={16} /> Download {name}{' '}
        <span className="muted">({fileSize(attachment.size ?? 0)})</span>
      </button>
      {error && (
        <span role="alert" className="attachment__error">
          {error}
        </span>
      )}
    </span>
  )
}

/** `caption` names a lone attachment that has no filename of its own (we send the file name as content). */
export function Attachments({
  items,
  caption,
  tabIndex,
  onOpenImage,
}: {
  items: Attachment[]
  caption?: string
  tabIndex?: number
  onOpenImage?: (src: string, alt: string) => void
}) {
  return (
    <div className="attachments">
      {items.map((a) => {
        const name = attachmentName(a, items.length === 1 && caption ? caption.slice(0, 80) : undefined)
        return a.content_type?.startsWith('image/') ? (
          <AuthedImage
            key={a.id}
            url={a.url}
            alt={`Image ${name}`}
            width={a.width}
            height={a.height}
            className="attachment__img"
            tabIndex={tabIndex}
            onOpen={onOpenImage ? (src) => onOpenImage(src, `Image ${name}`) : undefined}
          />
        ) : (
          <FileDownload key={a.id} attachment={a} name={name} tabIndex={tabIndex} />
        )
      })}
    </div>
  )
}

export interface MessageActions {
  onReply(m: Message): void
  onEdit(m: Message, content: string): Promise<void>
  onDelete(m: Message): Promise<void>
  onToggleReaction(m: Message, emoji: string, mine: boolean): void
  onJumpTo(messageId: string): void
  onOpenImage(src: string, alt: string): void
  /** The message (or something in it) got the focus: it becomes the list's one tab stop. */
  onFocusMessage(seq: number): void
}

/** Arrow keys, Home and End move between the messages of the list (roving tab stop). */
function moveFocus(e: KeyboardEvent<HTMLLIElement>) {
  if (e.target !== e.currentTarget) return
  const items = [
    ...(e.currentTarget.parentElement?.querySelectorAll<HTMLElement>(':scope > li[data-seq]') ?? []),
  ]
  const at = items.indexOf(e.currentTarget)
  const to =
    e.key === 'ArrowUp'
      ? at - 1
      : e.key === 'ArrowDown'
        ? at + 1
        : e.key === 'Home'
          ? 0
          : e.key === 'End'
            ? items.length - 1
            : null
  if (to == null) return
  e.preventDefault()
  const next = items[Math.max(0, Math.min(items.length - 1, to))]
  next?.focus()
  next?.scrollIntoView({ block: 'nearest' })
}

interface Props {
  message: Message
  isMine: boolean
  showSender: boolean
  canDelete: boolean
  tick?: Tick
  meId: string | null
  replyPreview?: { name: string; text: string; id: string } | null
  nameOf(userId: string): string
  actions: MessageActions
  /** The one message of the list in the tab order; the others are reached with the arrow keys. */
  active: boolean
  /** The members it mentions, highlighted in its text (`mine`: it mentions the reader). */
  mentions?: MentionNames
}

export const MessageItem = memo(function MessageItem({
  message: m,
  isMine,
  showSender,
  canDelete,
  tick,
  meId,
  replyPreview,
  nameOf,
  actions,
  active,
  mentions,
}: Props) {
  const [editing, setEditing] = useState(false)
  const [draft, setDraft] = useState(m.content)
  const [picker, setPicker] = useState<false | 'quick' | 'full'>(false)
  const [confirmDelete, setConfirmDelete] = useState(false)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const reactions = normalizeReactions(m.reactions)
  const sender = livePeople.senderName(m.sender_id) ?? (m.sender_name || nameOf(m.sender_id))
  const tab = active ? 0 : -1
  const reactButton = useRef<HTMLButtonElement>(null)

  if (m.message_type === 'system')
    return (
      <li className="msg msg--system" data-seq={m.seq} data-message-id={m.id}>
        {m.content}
      </li>
    )

  async function saveEdit() {
    const text = draft.trim()
    if (!text || text === m.content) {
      setEditing(false)
      return
    }
    setBusy(true)
    setError(null)
    try {
      await actions.onEdit(m, text)
      setEditing(false)
    } catch (err) {
      setError((err as Error).message)
    } finally {
      setBusy(false)
    }
  }

  return (
    <li
      className={`msg ${isMine ? 'msg--mine' : ''} ${m.deleted ? 'msg--deleted' : ''} ${mentions?.mine.size ? 'msg--mentions-me' : ''}`}
      data-seq={m.seq}
      data-message-id={m.id}
      id={`msg-${m.id}`}
      aria-label={`${isMine ? 'You' : sender}, ${timeLabel(m.created_at)}${mentions?.mine.size ? ', mentions you' : ''}`}
      tabIndex={tab}
      onFocus={() => !active && actions.onFocusMessage(m.seq)}
      onKeyDown={moveFocus}
    >
      <div className="msg__bubble">
        {showSender && !isMine && <div className="msg__sender">{sender}</div>}
        {replyPreview && !m.deleted && (
          <button
            type="button"
            tabIndex={tab}
            className="msg__quote"
            onClick={() => actions.onJumpTo(replyPreview.id)}
            aria-label={`Reply to ${replyPreview.name}: ${replyPreview.text}`}
          >
            <span className="msg__quote-name">{replyPreview.name}</span>
            <span className="msg__quote-text">{replyPreview.text}</span>
          </button>
        )}
        {m.deleted ? (
          <p className="msg__text msg__text--deleted">This message was deleted</p>
        ) : editing ? (
          <form
            className="msg__edit"
            onSubmit={(e) => {
              e.preventDefault()
              void saveEdit()
            }}
          >
            <label htmlFor={`edit-${m.id}`} className="sr-only">
              Edit message
            </label>
            <textarea
              id={`edit-${m.id}`}
              value={draft}
              autoFocus
              rows={Math.min(6, draft.split('\n').length + 1)}
              onChange={(e) => setDraft(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && !e.shiftKey) {
                  e.preventDefault()
                  void saveEdit()
                }
                if (e.key === 'Escape') setEditing(false)
              }}
            />
            <div className="row row--end">
              <button type="button" className="btn btn--small btn--ghost" onClick={() => setEditing(false)}>
                Cancel
              </button>
              <button type="submit" className="btn btn--small btn--primary" disabled={busy}>
                Save
              </button>
            </div>
          </form>
        ) : (
          <>
            {m.attachments && m.attachments.length > 0 && (
              <Attachments
                items={m.attachments}
                caption={m.content}
                tabIndex={tab}
                onOpenImage={actions.onOpenImage}
              />
            )}
            {m.content && <Markdown text={m.content} className="msg__text" mentions={mentions} />}
          </>
        )}
        <div className="msg__meta">
          {m.edited_at && !m.deleted && <span className="msg__edited">edited</span>}
          <time dateTime={m.created_at}>{timeLabel(m.created_at)}</time>
          {isMine && tick && !m.deleted && <TickMark tick={tick} />}
        </div>
      </div>
      {Object.keys(reactions).length > 0 && !m.deleted && (
        <ul className="reactions" aria-label="Reactions">
          {Object.entries(reactions).map(([emoji, users]) => {
            const mine = users.includes(meId ?? '') || users.includes('__me__')
            return (
              <li key={emoji}>
                <button
                  type="button"
                  tabIndex={tab}
                  className={`reaction ${mine ? 'reaction--mine' : ''}`}
                  aria-pressed={mine}
                  aria-label={`${emoji} ${users.length}`}
                  title={users.map((u) => (u === meId || u === '__me__' ? 'You' : nameOf(u))).join(', ')}
                  onClick={() => actions.onToggleReaction(m, emoji, mine)}
                >
                  {emoji} <span>{users.length}</span>
                </button>
              </li>
            )
          })}
        </ul>
      )}
      {error && (
        <p className="field__error" role="alert">
          {error}
        </p>
      )}
      {!m.deleted && !editing && (
        <div className="msg__actions" role="group" aria-label="Message actions">
          <button
            type="button"
            tabIndex={tab}
            className="btn btn--icon"
            onClick={() => actions.onReply(m)}
            aria-label="Reply"
            title="Reply"
          >
            <Icon name="reply" />
          </button>
          <button
            ref={reactButton}
            type="button"
            tabIndex={tab}
            className="btn btn--icon"
            onClick={() => setPicker((v) => (v ? false : 'quick'))}
            aria-label="React"
            aria-expanded={!!picker}
            title="React"
          >
            <Icon name="smile" />
          </button>
          {isMine && (
            <button
              type="button"
              tabIndex={tab}
              className="btn btn--icon"
              onClick={() => {
                setDraft(m.content)
                setEditing(true)
              }}
              aria-label="Edit"
              title="Edit"
            >
              <Icon name="edit" />
            </button>
          )}
          {canDelete &&
            (confirmDelete ? (
              <>
                <button
                  type="button"
                  className="btn btn--small btn--danger"
                  autoFocus
                  onClick={async () => {
                    setConfirmDelete(false)
                    try {
                      await actions.onDelete(m)
                    } catch (err) {
                      setError((err as Error).message)
                    }
                  }}
                >
                  Confirm delete
                </button>
                <button
                  type="button"
                  className="btn btn--small btn--ghost"
                  onClick={() => setConfirmDelete(false)}
                >
                  Keep
                </button>
              </>
            ) : (
              <button
                type="button"
                tabIndex={tab}
                className="btn btn--icon"
                onClick={() => setConfirmDelete(true)}
                aria-label="Delete"
                title="Delete"
              >
                <Icon name="trash" />
              </button>
            ))}
          {picker === 'full' && (
            <LazyEmojiPicker
              label="All reactions"
              anchor={reactButton.current}
              onClose={() => {
                setPicker(false)
                reactButton.current?.focus()
              }}
              onPick={(emoji) => {
                setPicker(false)
                actions.onToggleReaction(m, emoji, (reactions[emoji] ?? []).includes(meId ?? ''))
              }}
            />
          )}
          {picker === 'quick' && (
            <div className="picker" role="group" aria-label="Pick a reaction">
              {QUICK_REACTIONS.map((emoji) => {
                const mine = (reactions[emoji] ?? []).includes(meId ?? '')
                return (
                  <button
                    key={emoji}
                    type="button"
                    className="btn btn--icon"
                    aria-label={`React with ${emoji}`}
                    onClick={() => {
                      setPicker(false)
                      actions.onToggleReaction(m, emoji, mine)
                    }}
                  >
                    {emoji}
                  </button>
                )
              })}
              <button
                type="button"
                className="btn btn--icon"
                aria-label="More reactions"
                title="More reactions"
                onClick={() => setPicker('full')}
              >
                +
              </button>
            </div>
          )}
        </div>
      )}
    </li>
  )
})

export function PendingItem({
  p,
  onRetry,
  onDiscard,
}: {
  p: PendingMessage
  onRetry(): void
  onDiscard(): void
}) {
  return (
    <li
      className={`msg msg--mine msg--pending msg--${p.status}`}
      data-client-id={p.client_id}
      aria-label={`You, ${p.status === 'failed' ? 'not sent' : 'sending'}`}
    >
      <div className="msg__bubble">
        {p.attachments && p.attachments.length > 0 && (
          <Attachments items={p.attachments} caption={p.content} />
        )}
        {p.content && <Markdown text={p.content} className="msg__text" />}
        <div className="msg__meta">
          <time dateTime={p.created_at}>{timeLabel(p.created_at)}</time>
          <TickMark tick={p.status === 'failed' ? 'failed' : 'sending'} />
        </div>
      </div>
      {p.status === 'failed' && (
        <div className="msg__failed" role="alert">
          <span>{p.error ?? 'Not sent'}.</span>
          <button type="button" className="btn btn--small" onClick={onRetry}>
            Retry
          </button>
          <button type="button" className="btn btn--small btn--ghost" onClick={onDiscard}>
            Discard
          </button>
        </div>
      )}
    </li>
  )
}
