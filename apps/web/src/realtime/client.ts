/**
 * The realtime client: one socket for every conversation of the user.
 * - connects with a fresh access token (`/ws/chat/?token=`), reconnects with backoff;
 * - sends messages with a client_id, keeps them pending until `message_ack`, resends
 *   pending ones after a reconnect (idempotent server-side), fails them after a timeout;
 * - tracks seq per conversation and catches up with `join_conversation {after_seq}` on a gap
 *   and after every reconnect;
 * - keeps the sync cursor (SPEC §6 `sync {since}`): asks for it on the first connect and, after
 *   every reconnect, replays what changed meanwhile in every conversation (new messages, edits,
 *   deletes, reactions, receipts, membership) until the server has nothing more;
 * - publishes its connection state.
 */
import { realTimers, type TimerApi } from '../lib/session'
import type { Attachment, Message, PresenceStatus, Role } from '../lib/types'
import { backoffDelay, type BackoffOptions } from './backoff'
import { ChatStore, type PendingMessage } from './chat-store'
import type { ClientFrame, SendableType, ServerFrame, ServerFrameMap, ServerFrameType } from './frames'

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'offline' | 'closed'

/** The subset of WebSocket the client needs (a fake in tests). */
export interface SocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
  onclose: ((ev: { code: number; reason?: string }) => void) | null
  onerror: ((ev: unknown) => void) | null
}

export interface RealtimeOptions {
  /** Resolve an access token valid for a while (refreshing first if needed); null = signed out. */
  getAccessToken: () => Promise<string | null>
  /** Force a refresh (after repeated handshake failures the token may have been revoked). */
  forceRefresh?: () => Promise<string | null>
  createSocket?: (url: string) => SocketLike
  url?: (token: string) => string
  timers?: TimerApi
  backoff?: BackoffOptions
  ackTimeoutMs?: number
  heartbeatMs?: number
  /** Longest pause between two `sync` requests while connected. */
  syncIntervalMs?: number
  /** Session ended server-side (close code 4001). */
  onUnauthorized?: () => void
  newId?: () => string
  store?: ChatStore
  /** One stored message (REST), to refresh a message edited while we were away. */
  fetchMessage?: (conversationId: string, messageId: string) => Promise<Message>
}

/** One entry of a `sync` answer (services/chat/src/sync/changes.ts). */
export interface SyncEvent {
  cursor: string
  type: string
  conversation_id: string | null
  created_at?: string
  data: Record<string, unknown>
}

export interface SendInput {
  conversation_id: string
  content: string
  message_type?: SendableType
  reply_to?: string
  attachment_ids?: string[]
  attachments?: Attachment[]
}

type Listener<K extends ServerFrameType> = (frame: ServerFrameMap[K] & { type: K }) => void

const OPEN = 1
const TYPING_TTL_MS = 8_000
const SYNC_REF = 'sync'

function defaultUrl(token: string): string {
  const { protocol, host } = window.location
  return `${protocol === 'https:' ? 'wss' : 'ws'}://${host}/ws/chat/?token=${encodeURIComponent(token)}`
}

function defaultId(): string {
  if (typeof crypto !== 'undefined' && 'randomUUID' in crypto) return crypto.randomUUID()
  return `c-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`
}

/** Accept `{type, ...fields}` and also `{type, payload|data: {...}}`. */
export function normalizeFrame(raw: unknown): ServerFrame | null {
  if (!raw || typeof raw !== 'object') return null
  const f = raw as Record<string, unknown>
  if (typeof f.type !== 'string') return null
  const inner = (f.payload ?? f.data) as Record<string, unknown> | undefined
  if (inner && typeof inner === 'object' && !Array.isArray(inner))
    return { ...inner, ...f, type: f.type } as ServerFrame
  return f as unknown as ServerFrame
}

export class RealtimeClient {
  readonly store: ChatStore
  private socket: SocketLike | null = null
  private state: ConnectionState = 'idle'
  private stateListeners = new Set<() => void>()
  private frameListeners = new Map<string, Set<(f: never) => void>>()
  private attempt = 0
  private failedHandshakes = 0
  private reconnectTimer: unknown = null
  private heartbeatTimer: unknown = null
  private pongTimer: unknown = null
  private ackTimers = new Map<string, unknown>()
  private catchUpInflight = new Map<string, { afterSeq: number; at: number }>()
  private stopped = true
  private generation = 0
  private syncCursor: string | null = null
  private syncInflight = false
  private syncTimer: unknown = null
  private emptySyncs = 0
  userId: string | null = null
  private readonly opts: Required<Pick<RealtimeOptions, 'ackTimeoutMs' | 'heartbeatMs' | 'syncIntervalMs'>> &
    RealtimeOptions
  private readonly timers: TimerApi

  constructor(opts: RealtimeOptions) {
    this.opts = { ackTimeoutMs: 10_000, heartbeatMs: 25_000, syncIntervalMs: 30_000, ...opts }
    this.timers = opts.timers ?? realTimers
    this.store = opts.store ?? new ChatStore()
  }

  // ---- connection state -------------------------------------------------------------------

  getState = (): ConnectionState => this.state

  subscribeState = (fn: () => void): (() => void) => {
    this.stateListeners.add(fn)
    return () => this.stateListeners.delete(fn)
  }

  private setState(s: ConnectionState): void {
    if (this.state === s) return
    this.state = s
    this.stateListeners.forEach((fn) => fn())
  }

  on<K extends ServerFrameType>(type: K, fn: Listener<K>): () => void {
    let set = this.frameListeners.get(type)
    if (!set) this.frameListeners.set(type, (set = new Set()))
    set.add(fn)
    return () => set.delete(fn)
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  /** Start (or keep) the connection. */
  start(): void {
    if (!this.stopped) return
    this.stopped = false
    void this.connect()
  }

  /** Close for good (sign-out). */
  stop(): void {
    this.stopped = true
    this.generation++
    this.syncCursor = null
    this.syncInflight = false
    this.clearTimer('syncTimer')
    this.clearTimer('reconnectTimer')
    this.stopHeartbeat()
    for (const t of this.ackTimers.values()) this.timers.clearTimeout(t)
    this.ackTimers.clear()
    const s = this.socket
    this.socket = null
    if (s) {
      s.onclose = null
      s.onmessage = null
      try {
        s.close(1000, 'bye')
      } catch {
        // already closed
      }
    }
    this.setState('closed')
  }

  /** The browser lost the network: drop the socket now rather than wait for a dead TCP timeout. */
  goOffline(): void {
    if (this.stopped) return
    this.dropSocket()
    this.clearTimer('reconnectTimer')
    this.setState('offline')
  }

  /** The network is back (or the user asked): reconnect immediately. */
  reconnectNow(): void {
    if (this.stopped) return
    this.clearTimer('reconnectTimer')
    this.attempt = 0
    if (this.socket && this.socket.readyState === OPEN) return
    this.dropSocket()
    void this.connect()
  }

  private async connect(): Promise<void> {
    const gen = ++this.generation
    this.setState(this.attempt > 0 || this.state === 'offline' ? 'reconnecting' : 'connecting')
    let token: string | null
    try {
      token =
        this.failedHandshakes >= 2 && this.opts.forceRefresh
          ? await this.opts.forceRefresh()
          : await this.opts.getAccessToken()
    } catch {
      token = null
    }
    if (gen !== this.generation || this.stopped) return
    if (!token) {
      // No token: either signed out (stop) or refresh failed on the network (retry later).
      this.scheduleReconnect()
      return
    }
    const url = (this.opts.url ?? defaultUrl)(token)
    let socket: SocketLike
    try {
      socket = (this.opts.createSocket ?? ((u) => new WebSocket(u) as unknown as SocketLike))(url)
    } catch {
      this.scheduleReconnect()
      return
    }
    this.socket = socket
    let opened = false
    socket.onopen = () => {
      if (gen !== this.generation) return
      opened = true
      this.attempt = 0
      this.failedHandshakes = 0
      this.setState('open')
      this.startHeartbeat()
      this.afterOpen()
    }
    socket.onmessage = (ev) => {
      if (gen !== this.generation) return
      this.bumpHeartbeat()
      if (typeof ev.data !== 'string') return
      let parsed: unknown
      try {
        parsed = JSON.parse(ev.data)
      } catch {
        return
      }
      const frame = normalizeFrame(parsed)
      if (frame) this.handle(frame)
    }
    socket.onerror = () => {
      // onclose follows and decides what to do
    }
    socket.onclose = (ev) => {
      if (gen !== this.generation) return
      this.socket = null
      this.stopHeartbeat()
      if (!opened) this.failedHandshakes++
      if (ev.code === 4001 || ev.code === 4401) {
        this.stop()
        this.opts.onUnauthorized?.()
        return
      }
      if (this.stopped) return
      if (this.state === 'offline') return
      this.scheduleReconnect()
    }
  }

  private scheduleReconnect(): void {
    if (this.stopped) return
    this.attempt++
    this.setState('reconnecting')
    const delay = backoffDelay(this.attempt, this.opts.backoff)
    this.clearTimer('reconnectTimer')
    this.reconnectTimer = this.timers.setTimeout(() => {
      this.reconnectTimer = null
      void this.connect()
    }, delay)
  }

  /** Next reconnect attempt number (for tests and the status line). */
  get reconnectAttempt(): number {
    return this.attempt
  }

  private dropSocket(): void {
    this.generation++
    this.clearTimer('syncTimer')
    this.stopHeartbeat()
    const s = this.socket
    this.socket = null
    if (s) {
      s.onclose = null
      s.onmessage = null
      s.onopen = null
      try {
        s.close(4000, 'reconnect')
      } catch {
        // ignore
      }
    }
  }

  private afterOpen(): void {
    // Catch up every conversation we show, then resend whatever never got an ack.
    this.catchUpInflight.clear()
    this.syncInflight = false
    this.emptySyncs = 0
    this.requestSync()
    for (const id of this.store.loadedIds()) this.catchUp(id, this.store.get(id).contiguousSeq)
    for (const p of this.store.allPending()) this.transmit(p)
  }

  /** The cursor of the last applied `sync` answer (null before the first connect). */
  get cursor(): string | null {
    return this.syncCursor
  }

  /** Ask for every change since the cursor (the first time: no events, just the current cursor). */
  private requestSync(): void {
    this.clearTimer('syncTimer')
    if (this.syncInflight) return
    const frame: ClientFrame = this.syncCursor
      ? { type: 'sync', since: this.syncCursor, ref: SYNC_REF }
      : { type: 'sync', ref: SYNC_REF }
    if (this.send(frame)) this.syncInflight = true
  }

  private applySync(events: SyncEvent[], next: string | undefined): void {
    this.syncInflight = false
    const refetch = new Map<string, string>()
    for (const e of events) {
      const cid = e.conversation_id
      const d = e.data ?? {}
      const messageId = typeof d.message_id === 'string' ? d.message_id : undefined
      const userId = typeof d.user_id === 'string' ? d.user_id : undefined
      // @NOTE A sync event that does not say the role added a plain member.
      const role: Role = d.role === 'owner' || d.role === 'admin' ? d.role : 'member'
      const seq =
        typeof d.seq === 'number' ? d.seq : typeof d.up_to_seq === 'number' ? d.up_to_seq : undefined
      switch (e.type) {
        case 'message.new':
          if (cid && seq != null && this.store.get(cid).loaded && seq > this.store.get(cid).contiguousSeq)
            this.catchUp(cid, this.store.get(cid).contiguousSeq)
          break
        case 'message.edited':
          if (cid && messageId && this.store.get(cid).messages.some((m) => m.id === messageId))
            refetch.set(messageId, cid)
          break
        case 'message.deleted':
          if (cid && messageId) {
            refetch.delete(messageId)
            this.store.markDeleted(cid, messageId)
          }
          break
        case 'reaction.added':
        case 'reaction.removed':
          if (messageId && userId && typeof d.emoji === 'string')
            this.store.react(messageId, d.emoji, userId, e.type === 'reaction.added', cid ?? undefined)
          break
        case 'receipt.read':
        case 'receipt.delivered':
          if (cid && userId && seq != null) {
            const kind = e.type === 'receipt.read' ? 'read' : 'delivered'
            this.store.receipt(cid, userId, seq, kind)
            this.emit({
              type: kind === 'read' ? 'read_receipt' : 'delivery_receipt',
              conversation_id: cid,
              user_id: userId,
              up_to_seq: seq,
            })
          }
          break
        case 'participant.added':
          if (cid && userId)
            this.emit({ type: 'participant_added', conversation_id: cid, user_id: userId, role })
          break
        case 'participant.removed':
          if (cid && userId) this.emit({ type: 'participant_removed', conversation_id: cid, user_id: userId })
          break
        case 'participant.updated':
        case 'conversation.updated':
        case 'conversation.deleted':
          // @NOTE No snapshot in a sync event: listeners refetch the conversation.
          if (cid) this.emit({ type: 'conversation_updated', conversation_id: cid, conversation: null })
          break
        default:
          break
      }
    }
    for (const [messageId, cid] of refetch) {
      void this.opts
        .fetchMessage?.(cid, messageId)
        .then((m) => (m.deleted ? this.store.markDeleted(cid, m.id) : this.store.replace(m)))
        .catch(() => undefined)
    }
    if (next) this.syncCursor = next
    // A non-empty answer may be one page of many: ask again until the server has nothing more.
    if (events.length > 0) {
      this.emptySyncs = 0
      this.requestSync()
      return
    }
    // The server holds back changes of transactions older than one still running (so none is
    // ever skipped): an empty answer right after a reconnect is not proof that nothing
    // happened. Ask again soon, then less and less often (1 s, 2 s, 4 s … every 30 s), which
    // also keeps the cursor fresh for the next reconnect.
    const delay = Math.min(this.opts.syncIntervalMs, 1_000 * 2 ** this.emptySyncs++)
    this.clearTimer('syncTimer')
    this.syncTimer = this.timers.setTimeout(() => {
      this.syncTimer = null
      this.requestSync()
    }, delay)
  }

  private emit(frame: ServerFrame): void {
    this.frameListeners.get(frame.type)?.forEach((fn) => (fn as (f: ServerFrame) => void)(frame))
  }

  // ---- heartbeat ----------------------------------------------------------------------------

  private startHeartbeat(): void {
    this.stopHeartbeat()
    this.heartbeatTimer = this.timers.setTimeout(() => {
      this.heartbeatTimer = null
      if (!this.socket || this.socket.readyState !== OPEN) return
      this.rawSend({ type: 'ping' })
      // No frame at all within the window: the connection is dead even if TCP has not noticed.
      this.pongTimer = this.timers.setTimeout(() => {
        this.pongTimer = null
        this.dropSocket()
        this.scheduleReconnect()
      }, 10_000)
    }, this.opts.heartbeatMs)
  }

  private bumpHeartbeat(): void {
    if (this.socket) this.startHeartbeat()
  }

  private stopHeartbeat(): void {
    this.clearTimer('heartbeatTimer')
    this.clearTimer('pongTimer')
  }

  private clearTimer(key: 'reconnectTimer' | 'heartbeatTimer' | 'pongTimer' | 'syncTimer'): void {
    const t = this[key]
    if (t != null) this.timers.clearTimeout(t)
    this[key] = null
  }

  // ---- sending --------------------------------------------------------------------------------

  get isOpen(): boolean {
    return !!this.socket && this.socket.readyState === OPEN && this.state === 'open'
  }

  /** Send a frame if connected; returns whether it went out. */
  send(frame: ClientFrame): boolean {
    if (!this.isOpen) return false
    return this.rawSend(frame)
  }

  private rawSend(frame: ClientFrame): boolean {
    try {
      this.socket?.send(JSON.stringify(frame))
      return true
    } catch {
      return false
    }
  }

  /** Optimistic send: shows at once as pending, goes out now or after the next reconnect. */
  sendMessage(input: SendInput): PendingMessage {
    const pending: PendingMessage = {
      client_id: (this.opts.newId ?? defaultId)(),
      conversation_id: input.conversation_id,
      content: input.content,
      message_type: input.message_type ?? 'text',
      reply_to: input.reply_to,
      attachment_ids: input.attachment_ids,
      attachments: input.attachments,
      status: 'sending',
      created_at: new Date(this.timers.now()).toISOString(),
    }
    this.store.addPending(pending)
    this.transmit(pending)
    return pending
  }

  /** Retry a failed send with the same client_id (the server dedupes). */
  retry(clientId: string): void {
    const p = this.store.setPendingStatus(clientId, 'sending')
    if (p) this.transmit(p)
  }

  private transmit(p: PendingMessage): void {
    if (p.status === 'failed') this.store.setPendingStatus(p.client_id, 'sending')
    const frame: ClientFrame = {
      type: 'send_message',
      conversation_id: p.conversation_id,
      content: p.content,
      client_id: p.client_id,
      ref: p.client_id,
    }
    if (p.message_type && p.message_type !== 'text') frame.message_type = p.message_type
    if (p.reply_to) frame.reply_to = p.reply_to
    if (p.attachment_ids?.length) frame.attachment_ids = p.attachment_ids
    this.send(frame)
    const old = this.ackTimers.get(p.client_id)
    if (old != null) this.timers.clearTimeout(old)
    this.ackTimers.set(
      p.client_id,
      this.timers.setTimeout(() => {
        this.ackTimers.delete(p.client_id)
        if (this.store.findPending(p.client_id)?.status === 'sending')
          this.store.setPendingStatus(p.client_id, 'failed', this.isOpen ? 'Not delivered' : 'Offline')
      }, this.opts.ackTimeoutMs),
    )
  }

  // ---- catch-up --------------------------------------------------------------------------------

  /** Ask for everything after `afterSeq` in a conversation (once at a time per conversation). */
  catchUp(conversationId: string, afterSeq: number): void {
    const inflight = this.catchUpInflight.get(conversationId)
    const now = this.timers.now()
    // One outstanding request per conversation; a lost answer is retried after 10 s.
    if (inflight && inflight.afterSeq >= afterSeq && now - inflight.at < 10_000) return
    if (this.send({ type: 'join_conversation', conversation_id: conversationId, after_seq: afterSeq }))
      this.catchUpInflight.set(conversationId, { afterSeq, at: now })
  }

  markRead(conversationId: string, upToSeq: number): boolean {
    return this.send({ type: 'mark_read', conversation_id: conversationId, up_to_seq: upToSeq })
  }

  typing(conversationId: string, isTyping: boolean): void {
    this.send({ type: isTyping ? 'start_typing' : 'stop_typing', conversation_id: conversationId })
  }

  updatePresence(status: PresenceStatus): void {
    this.send({ type: 'update_presence', status })
  }

  // ---- incoming ------------------------------------------------------------------------------

  private handle(frame: ServerFrame): void {
    const store = this.store
    switch (frame.type) {
      case 'connection_established':
        this.userId = frame.user_id
        break
      case 'message_ack': {
        // @NOTE client_id is null only for a message sent without one (REST); nothing is pending for it.
        const clientId = frame.client_id
        if (clientId === null) {
          this.onGap(frame.message.conversation_id, store.receive(frame.message).gapAfter)
          break
        }
        const t = this.ackTimers.get(clientId)
        if (t != null) this.timers.clearTimeout(t)
        this.ackTimers.delete(clientId)
        if (frame.message)
          this.onGap(frame.message.conversation_id, store.ack(clientId, frame.message).gapAfter)
        else store.discardPending(clientId)
        break
      }
      case 'new_message':
        if (frame.message) {
          const m = frame.message
          if (m.client_id) {
            const t = this.ackTimers.get(m.client_id)
            if (t != null && m.sender_id === this.userId) {
              this.timers.clearTimeout(t)
              this.ackTimers.delete(m.client_id)
            }
          }
          this.onGap(m.conversation_id, store.receive(m).gapAfter)
        }
        break
      case 'history': {
        this.catchUpInflight.delete(frame.conversation_id)
        const msgs = [...(frame.messages ?? [])].sort((a: Message, b: Message) => a.seq - b.seq)
        this.onGap(
          frame.conversation_id,
          store.receiveHistory(frame.conversation_id, msgs, !!frame.has_more).gapAfter,
        )
        break
      }
      case 'message_updated':
        if (frame.message) store.replace(frame.message)
        break
      case 'message_deleted': {
        const f = frame as ServerFrameMap['message_deleted'] & { message?: Message }
        const cid = f.conversation_id ?? f.message?.conversation_id
        const mid = f.message_id ?? f.message?.id
        if (cid && mid) store.markDeleted(cid, mid)
        break
      }
      case 'reaction_added':
      case 'reaction_removed': {
        store.react(
          frame.message_id,
          frame.emoji,
          frame.user_id,
          frame.type === 'reaction_added',
          frame.conversation_id,
        )
        break
      }
      case 'typing_indicator':
        if (frame.user_id !== this.userId) {
          store.setTyping(
            frame.conversation_id,
            frame.user_id,
            frame.is_typing,
            this.timers.now() + TYPING_TTL_MS,
          )
          if (frame.is_typing) {
            const cid = frame.conversation_id
            this.timers.setTimeout(() => store.pruneTyping(cid, this.timers.now()), TYPING_TTL_MS + 50)
          }
        }
        break
      case 'sync':
        this.applySync(frame.events ?? [], frame.next)
        break
      case 'read_receipt':
        store.receipt(frame.conversation_id, frame.user_id, frame.up_to_seq, 'read')
        break
      case 'delivery_receipt':
        store.receipt(frame.conversation_id, frame.user_id, frame.up_to_seq, 'delivered')
        break
      case 'error':
        if (frame.ref === SYNC_REF) {
          // A cursor the server no longer accepts: start again from the current position.
          this.syncInflight = false
          if (this.syncCursor) {
            this.syncCursor = null
            this.requestSync()
          }
          break
        }
        if (frame.ref && store.findPending(frame.ref)) {
          const t = this.ackTimers.get(frame.ref)
          if (t != null) this.timers.clearTimeout(t)
          this.ackTimers.delete(frame.ref)
          store.setPendingStatus(frame.ref, 'failed', frame.message || frame.code)
        }
        break
      default:
        break
    }
    this.emit(frame)
  }

  private onGap(conversationId: string, gapAfter: number | undefined): void {
    if (gapAfter != null) this.catchUp(conversationId, gapAfter)
  }
}
