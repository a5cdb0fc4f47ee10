import { type RefObject, useEffect, useMemo, useRef, useState } from 'react'

import { realtime } from '../../app/services'
import { Icon } from '../../components/Icon'
import { LazyEmojiPicker } from '../../components/LazyEmojiPicker'
import { errorMessage } from '../../lib/api'
import type { Attachment, Message } from '../../lib/types'
import { codePoints, lengthNote, loadDraft, MAX_MESSAGE_LENGTH, saveDraft } from './drafts'
import { fileSize } from './format'
import { type Mentionable, mentionAt, mentionOptions } from './mentions'
import { uploadAttachment } from './upload'

interface Upload {
  key: string
  file: File
  preview: string | null
  progress: number
  status: 'uploading' | 'done' | 'failed'
  attachment?: Attachment
  error?: string
  abort: AbortController
}

interface Props {
  conversationId: string
  replyTo: { message: Message; name: string } | null
  onCancelReply(): void
  onSent(): void
  /** Filled with a function that attaches files (files dropped on the conversation go there). */
  fileSink?: RefObject<((files: File[]) => void) | null>
  /** The other members, offered when `@` is typed. */
  members?: Mentionable[]
  /** Offer `@here` / `@channel` (owners and admins of a group or channel: the server ignores them from others). */
  canMentionAll?: boolean
}

let uploadSeq = 0

export function Composer({
  conversationId,
  replyTo,
  onCancelReply,
  onSent,
  fileSink,
  members = [],
  canMentionAll = false,
}: Props) {
  // The draft of this conversation (the view is keyed by conversation, so this runs per conversation).
  const [text, setTextState] = useState(() => loadDraft(conversationId))
  const [emoji, setEmoji] = useState(false)
  const emojiButton = useRef<HTMLButtonElement>(null)
  const setText = (value: string) => {
    setTextState(value)
    saveDraft(conversationId, value)
  }
  const [caret, setCaret] = useState(0)
  const [activeOption, setActiveOption] = useState(0)
  /** The `@query` the user closed with Escape (it stays closed until they type on). */
  const [dismissed, setDismissed] = useState<string | null>(null)
  const mention = useMemo(() => mentionAt(text, caret), [text, caret])
  const options = useMemo(
    () => (mention ? mentionOptions(members, mention.query, canMentionAll) : []),
    [mention, members, canMentionAll],
  )
  const mentionKey = mention ? `${mention.start}:${mention.query}` : null
  const suggesting = options.length > 0 && dismissed !== mentionKey
  const active = Math.min(activeOption, options.length - 1)
  const listId = `mention-list-${conversationId}`
  useEffect(() => setActiveOption(0), [mentionKey])

  function chooseMention(o: Mentionable) {
    if (!mention) return
    const value = `@${o.username} `
    const next = text.slice(0, mention.start) + value + text.slice(caret)
    const at = mention.start + value.length
    setText(next)
    setCaret(at)
    requestAnimationFrame(() => {
      inputRef.current?.focus()
      inputRef.current?.setSelectionRange(at, at)
    })
  }
  const [uploads, setUploads] = useState<Upload[]>([])
  const inputRef = useRef<HTMLTextAreaElement>(null)
  const fileRef = useRef<HTMLInputElement>(null)
  const typingRef = useRef<{ since: number; stop: ReturnType<typeof setTimeout> | null }>({
    since: 0,
    stop: null,
  })

  // Switching conversation stops typing (the draft itself stays saved under its conversation).
  useEffect(() => {
    const t = typingRef.current
    return () => {
      if (t.stop) clearTimeout(t.stop)
      if (t.since) realtime.typing(conversationId, false)
      t.since = 0
    }
  }, [conversationId])

  useEffect(() => {
    if (replyTo) inputRef.current?.focus()
  }, [replyTo])

  function noteTyping() {
    const t = typingRef.current
    const now = Date.now()
    // The server expires typing after 6 s; renew every 3 s while keys keep coming.
    if (!t.since || now - t.since > 3_000) {
      realtime.typing(conversationId, true)
      t.since = now
    }
    if (t.stop) clearTimeout(t.stop)
    t.stop = setTimeout(stopTyping, 4_000)
  }

  function stopTyping() {
    const t = typingRef.current
    if (t.stop) clearTimeout(t.stop)
    t.stop = null
    if (t.since) realtime.typing(conversationId, false)
    t.since = 0
  }

  function startUpload(file: File) {
    const key = `u${++uploadSeq}`
    const abort = new AbortController()
    const preview = file.type.startsWith('image/') ? URL.createObjectURL(file) : null
    const up: Upload = { key, file, preview, progress: 0, status: 'uploading', abort }
    setUploads((list) => [...list, up])
    const patch = (p: Partial<Upload>) =>
      setUploads((list) => list.map((u) => (u.key === key ? { ...u, ...p } : u)))
    uploadAttachment(file, (f) => patch({ progress: f }), abort.signal)
      .then((attachment) => patch({ status: 'done', attachment, progress: 1 }))
      .catch((err: unknown) => {
        if ((err as Error)?.name !== 'AbortError') patch({ status: 'failed', error: errorMessage(err) })
      })
  }

  function removeUpload(u: Upload) {
    u.abort.abort()
    setUploads((list) => list.filter((x) => x.key !== u.key))
  }

  useEffect(() => {
    if (!fileSink) return
    fileSink.current = (files) => files.forEach(startUpload)
    return () => {
      fileSink.current = null
    }
  })

  const length = codePoints(text.trim())
  const note = lengthNote(length)
  const tooLong = length > MAX_MESSAGE_LENGTH

  function insertAtCursor(value: string) {
    const el = inputRef.current
    const start = el?.selectionStart ?? text.length
    const end = el?.selectionEnd ?? text.length
    const next = text.slice(0, start) + value + text.slice(end)
    setText(next)
    requestAnimationFrame(() => {
      el?.focus()
      el?.setSelectionRange(start + value.length, start + value.length)
    })
  }

  const ready = uploads.filter((u) => u.status === 'done')
  const busy = uploads.some((u) => u.status === 'uploading')
  const canSend =
    !busy &&
    !tooLong &&
    (text.trim().length > 0 || ready.length > 0) &&
    !uploads.some((u) => u.status === 'failed')

  function send() {
    if (!canSend) return
    const content = text.trim()
    const attachments = ready.map((u) => ({
      ...u.attachment!,
      url: u.preview ?? u.attachment!.url,
      filename: u.attachment!.filename ?? u.file.name,
    }))
    const allImages = ready.length > 0 && ready.every((u) => u.file.type.startsWith('image/'))
    realtime.sendMessage({
      conversation_id: conversationId,
      content: content || (ready.length ? ready.map((u) => u.file.name).join(', ') : ''),
      message_type: ready.length ? (allImages ? 'image' : 'file') : 'text',
      reply_to: replyTo?.message.id,
      attachment_ids: ready.length ? ready.map((u) => u.attachment!.id) : undefined,
      attachments: ready.length ? attachments : undefined,
    })
    stopTyping()
    setText('')
    setUploads([])
    onCancelReply()
    onSent()
    inputRef.current?.focus()
  }

  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault()
        send()
      }}
    >
      {replyTo && (
        <div className="composer__reply">
          <span>
            Replying to <strong>{replyTo.name}</strong>:{' '}
            <span className="muted">{replyTo.message.content.slice(0, 80) || 'attachment'}</span>
          </span>
          <button type="button" className="btn btn--icon" aria-label="Cancel reply" onClick={onCancelReply}>
            ×
          </button>
        </div>
      )}
      {uploads.length > 0 && (
        <ul className="uploads" aria-label="Attachments to send">
          {uploads.map((u) => (
            <li key={u.key} className={`upload upload--${u.status}`}>
              {u.preview ? (
                <img src={u.preview} alt={`Preview of ${u.file.name}`} />
              ) : (
                <span className="upload__icon">
                  <Icon name="file" />
                </span>
              )}
              <span className="upload__name">
                {u.file.name} <span className="muted">{fileSize(u.file.size)}</span>
              </span>
              {u.status === 'uploading' && (
                <progress max={1} value={u.progress} aria-label={`Uploading ${u.file.name}`} />
              )}
              {u.status === 'failed' && (
                <span className="field__error" role="alert">
                  {u.error}
                </span>
              )}
              <button
                type="button"
                className="btn btn--icon"
                aria-label={`Remove ${u.file.name}`}
                onClick={() => removeUpload(u)}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      {note && (
        <p
          className={`composer__count ${note.over ? 'composer__count--over' : ''}`}
          id={`composer-count-${conversationId}`}
          aria-live="polite"
        >
          {note.text}
        </p>
      )}
      {suggesting && (
        <ul id={listId} role="listbox" className="mention-list" aria-label="Mention a member">
          {options.map((o, i) => (
            <li
              key={o.userId}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              className={`mention-list__item ${i === active ? 'mention-list__item--active' : ''}`}
              onMouseDown={(e) => {
                // Keep the focus (and the caret) in the text field.
                e.preventDefault()
                chooseMention(o)
              }}
            >
              <strong>@{o.username}</strong> <span className="mention-list__name">{o.name}</span>
            </li>
          ))}
        </ul>
      )}
      <div className="composer__row">
        <label className="btn btn--icon composer__attach" title="Attach file">
          <Icon name="clip" />
          <input
            ref={fileRef}
            type="file"
            className="sr-only"
            aria-label="Attach file"
            multiple
            onChange={(e) => {
              for (const f of Array.from(e.target.files ?? [])) startUpload(f)
              e.target.value = ''
            }}
          />
        </label>
        <div className="composer__emoji-wrap">
          <button
            ref={emojiButton}
            type="button"
            className="btn btn--icon"
            aria-label="Insert emoji"
            title="Insert emoji"
            aria-expanded={emoji}
            onClick={() => setEmoji((v) => !v)}
          >
            <Icon name="smile" />
          </button>
          {emoji && (
            <LazyEmojiPicker
              label="Insert emoji"
              anchor={emojiButton.current}
              onClose={() => {
                setEmoji(false)
                inputRef.current?.focus()
              }}
              onPick={(e) => {
                setEmoji(false)
                insertAtCursor(e)
              }}
            />
          )}
        </div>
        <label htmlFor={`composer-${conversationId}`} className="sr-only">
          Message
        </label>
        <textarea
          id={`composer-${conversationId}`}
          ref={inputRef}
          className="composer__input"
          placeholder="Write a message"
          rows={1}
          value={text}
          aria-invalid={tooLong || undefined}
          aria-autocomplete="list"
          aria-controls={suggesting ? listId : undefined}
          aria-activedescendant={suggesting ? `${listId}-${active}` : undefined}
          onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
          aria-describedby={note ? `composer-count-${conversationId}` : undefined}
          onPaste={(e) => {
            // A pasted screenshot or file is attached, not pasted as text.
            const files = [...e.clipboardData.files]
            if (!files.length) return
            e.preventDefault()
            files.forEach(startUpload)
          }}
          onChange={(e) => {
            setText(e.target.value)
            setCaret(e.target.selectionStart)
            if (e.target.value) noteTyping()
            else stopTyping()
          }}
          onBlur={stopTyping}
          onKeyDown={(e) => {
            if (suggesting && !e.nativeEvent.isComposing) {
              const n = options.length
              if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
                e.preventDefault()
                setActiveOption((active + (e.key === 'ArrowDown' ? 1 : n - 1)) % n)
                return
              }
              if ((e.key === 'Enter' && !e.shiftKey) || e.key === 'Tab') {
                e.preventDefault()
                chooseMention(options[active])
                return
              }
              if (e.key === 'Escape') {
                e.preventDefault()
                setDismissed(mentionKey)
                return
              }
            }
            if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
              e.preventDefault()
              send()
            }
            if (e.key === 'Escape' && replyTo) onCancelReply()
          }}
        />
        <button type="submit" className="btn btn--primary" disabled={!canSend}>
          Send
        </button>
      </div>
    </form>
  )
}
