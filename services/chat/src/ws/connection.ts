import {
  type ClientFrame,
  ClientFrameSchemas,
  type ClientFrameType,
  CloseCodes,
  type ErrorCode,
  type ServerFrameMap,
  type ServerFrameType,
} from '@parley/contracts'
import type { Principal } from '@parley/platform'
import type { WebSocket } from 'ws'

import type { ChatContext } from '../context'
import { deleteMessage, editMessage, historyOf, sendMessage } from '../messages/messages.service'
import { requireMember } from '../participants/membership'
import { addReaction, removeReaction } from '../reactions/reactions.service'
import { frame, type HubConnection } from '../realtime/hub'
import {
  type PreparedFrame,
  prepareTextFrame,
  type RawSocket,
  rawSocketIfIdle,
} from '../realtime/prepared-frame'
import { markRead } from '../receipts/receipts.service'
import { syncFor } from '../sync/sync.service'
import { errorFrameFor } from './frame-errors'
import { inOrder } from './in-order'
import { TokenBucket } from './rate-limit'

const SHORT_FORMS = new Set<ClientFrameType>(['message', 'typing', 'read'])
const HISTORY_LIMIT = 100
/**
 * What a socket may hold in Node's own write buffer (bytes the kernel has not taken yet). Past it,
 * frames wait in the connection's backlog, which is dropped whole when the socket is cut off, so
 * the 1013 close frame queues behind at most this much instead of behind the whole 1 MiB.
 */
export const SOCKET_HIGH_WATER = 64 * 1024

/**
 * Frames for a socket are gathered during the current tick and leave at its end in one
 * `socket.write` (one syscall): a committed batch, its ack and receipts go out together. One
 * shared list and one nextTick for all sockets; no per-socket cork/uncork or writev bookkeeping.
 */
const pendingConns: ChatConnection[] = []
let flushScheduled = false
function flushAll() {
  flushScheduled = false
  for (const conn of pendingConns) conn.flush()
  pendingConns.length = 0
}

/**
 * One chat socket. Frames are checked in order: size (ws, 1009), session revocation, rate,
 * JSON, type, schema, then access from the in-memory membership cache; a bad frame gets an
 * `error` frame and the socket stays usable.
 */
export class ChatConnection implements HubConnection {
  readonly userId: string
  alive = true
  private closed = false
  /** This tick's frames, written at its end in one syscall. */
  private pending: PreparedFrame[] = []
  private pendingBytes = 0
  /** Frames past {@link SOCKET_HIGH_WATER}, written as the socket drains (oldest first). */
  private backlog: Buffer[] = []
  private backlogBytes = 0
  private drainSocket?: RawSocket
  private readonly bucket?: TokenBucket
  private queue: Promise<void> = Promise.resolve()
  /** Frames that arrive before the membership cache is loaded wait here, in order. */
  private early: Array<[Buffer | ArrayBuffer | Buffer[], boolean]> | undefined = []

  constructor(
    private readonly ctx: ChatContext,
    private readonly ws: WebSocket,
    readonly principal: Principal,
    private readonly scopedConversationId: string | undefined,
  ) {
    this.userId = principal.userId
    const rate = ctx.options.frameRate ?? (ctx.config.rateLimits ? { perSecond: 20, burst: 40 } : undefined)
    if (rate) this.bucket = new TokenBucket(rate.perSecond, rate.burst)
  }

  /** The membership cache is loaded: handle the frames that came early. */
  ready() {
    const early = this.early ?? []
    this.early = undefined
    for (const [data, isBinary] of early) this.onFrame(data, isBinary)
  }

  get caller() {
    return { userId: this.principal.userId, tenantId: this.principal.tenantId }
  }

  /**
   * Queues a frame for the end of this tick unless the socket's backlog is past the limit (then
   * 1013). The frame's bytes (built once per message for every recipient, see prepared-frame)
   * go straight to the socket; `ws`'s own framing is only used if it has something queued, so
   * the order of frames is kept either way.
   */
  send(data: string | PreparedFrame): boolean {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return false
    const limit = this.ctx.options.maxBufferedBytes
    // @NOTE The backlog is what the peer has not read yet (bytes the kernel did not take) plus
    // this tick's frames.
    if (this.ws.bufferedAmount + this.backlogBytes + this.pendingBytes > limit) {
      this.ctx.metrics.slowConsumers.inc()
      this.cutOff(CloseCodes.tryAgainLater, 'send buffer full; reconnect and catch up')
      return false
    }
    const prepared = typeof data === 'string' ? prepareTextFrame(data) : data
    if (this.pending.length === 0) {
      pendingConns.push(this)
      if (!flushScheduled) {
        flushScheduled = true
        process.nextTick(flushAll)
      }
    }
    this.pending.push(prepared)
    this.pendingBytes += prepared.bytes.length
    // A big tick (a long history) goes to the kernel at once, so a tick never holds more than the limit.
    if (this.pendingBytes > limit) this.flush()
    return true
  }

  /** Writes this tick's frames (see {@link flushAll}). */
  flush() {
    const frames = this.pending
    if (frames.length === 0) return
    this.pending = []
    this.pendingBytes = 0
    if (this.ws.readyState !== this.ws.OPEN) return
    const socket = rawSocketIfIdle(this.ws)
    if (!socket && this.backlog.length === 0) {
      for (const f of frames) this.ws.send(f.text)
      return
    }
    let i = 0
    if (socket && this.backlog.length === 0) {
      const bytes = frames.length === 1 ? frames[0].bytes : Buffer.concat(frames.map((f) => f.bytes))
      if (socket.writableLength + bytes.length <= SOCKET_HIGH_WATER) {
        socket.write(bytes)
        return
      }
      // Frame by frame while the kernel keeps taking them; past the mark, a 'drain' is due.
      while (i < frames.length && socket.writableLength < SOCKET_HIGH_WATER) socket.write(frames[i++].bytes)
      if (i === frames.length) return
    }
    // @NOTE Only a socket whose reader falls behind gets here; a fast one writes straight through.
    for (; i < frames.length; i++) {
      this.backlog.push(frames[i].bytes)
      this.backlogBytes += frames[i].bytes.length
    }
    if (socket) this.awaitDrain(socket)
  }

  private awaitDrain(socket: RawSocket) {
    if (this.drainSocket) return
    this.drainSocket = socket
    socket.once('drain', this.onDrain)
  }

  /** The kernel took what Node held: hand it the backlog, again up to the high-water mark. */
  private readonly onDrain = () => {
    this.drainSocket = undefined
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return
    const socket = rawSocketIfIdle(this.ws)
    if (!socket) {
      // `ws` is writing frames of its own (a ping, a close): try again once it has.
      setImmediate(this.onDrain)
      return
    }
    let i = 0
    while (i < this.backlog.length && socket.writableLength < SOCKET_HIGH_WATER) {
      const chunk = this.backlog[i++]
      this.backlogBytes -= chunk.length
      socket.write(chunk)
    }
    this.backlog = i === this.backlog.length ? [] : this.backlog.slice(i)
    if (this.backlog.length) this.awaitDrain(socket)
  }

  private dropBacklog() {
    this.drainSocket?.off('drain', this.onDrain)
    this.drainSocket = undefined
    this.backlog = []
    this.backlogBytes = 0
  }

  sendFrame<K extends ServerFrameType>(type: K, payload: ServerFrameMap[K], ref?: string) {
    this.send(frame(type, payload, ref))
  }

  sendError(code: ErrorCode, message: string, ref?: string) {
    this.sendFrame('error', { code, message, ...(ref !== undefined ? { ref } : {}) }, undefined)
  }

  /**
   * Closes now; a peer that does not read its close frame within the grace time is dropped.
   * A slow consumer (1013) loses its backlog and this tick's frames, so its close frame follows
   * at most {@link SOCKET_HIGH_WATER} bytes and a client that reads again soon sees 1013 (not
   * 1006) and knows to reconnect and catch up.
   */
  cutOff(code: number, reason: string) {
    if (this.closed) return
    this.closed = true
    if (code === CloseCodes.tryAgainLater) {
      this.pending = []
      this.pendingBytes = 0
      this.dropBacklog()
    } else {
      // Everything queued leaves before the close frame, as it would have without a backlog.
      this.flush()
      const socket = rawSocketIfIdle(this.ws)
      if (socket && this.backlog.length) socket.write(Buffer.concat(this.backlog))
      this.dropBacklog()
    }
    this.ws.close(code, reason)
    setTimeout(() => this.ws.terminate(), this.ctx.options.closeGraceMs).unref()
  }

  markClosed() {
    this.closed = true
    this.dropBacklog()
  }

  terminate() {
    this.closed = true
    this.dropBacklog()
    this.ws.terminate()
  }

  ping() {
    if (this.ws.readyState === this.ws.OPEN) this.ws.ping()
  }

  /** Frames of one socket are handled one after another, so its sends keep their order. */
  onFrame(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) {
    if (this.closed) return
    if (this.early) {
      if (this.early.length < 40) this.early.push([data, isBinary])
      else this.sendError('rate_limited', 'Too many frames before the connection was ready.')
      return
    }
    if (this.ctx.revocations.isRevoked(this.principal.sessionId)) {
      this.cutOff(CloseCodes.sessionRevoked, 'session revoked')
      return
    }
    // The expiry wheel ticks each second; a frame in between must not ride an expired token.
    if (Date.now() >= this.principal.expiresAt) {
      this.cutOff(CloseCodes.tokenExpired, 'access token expired')
      return
    }
    if (this.bucket && !this.bucket.take()) {
      this.sendError('rate_limited', 'Too many frames; slow down (20 per second, burst 40).', refOf(data))
      return
    }
    if (isBinary) return this.sendError('malformed_frame', 'Frames are JSON text.')
    let parsed: unknown
    try {
      parsed = JSON.parse(data.toString())
    } catch {
      return this.sendError('malformed_frame', 'The frame is not valid JSON.')
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      return this.sendError('malformed_frame', 'A frame is a JSON object with a `type`.')
    const raw = parsed as Record<string, unknown>
    const ref = typeof raw.ref === 'string' ? raw.ref : undefined
    const type = raw.type as ClientFrameType
    const schema =
      typeof type === 'string' && Object.hasOwn(ClientFrameSchemas, type)
        ? ClientFrameSchemas[type]
        : undefined
    if (!schema || (SHORT_FORMS.has(type) && !this.scopedConversationId)) {
      return this.sendError('unknown_type', `Unknown frame type ${JSON.stringify(raw.type)}.`, ref)
    }
    const result = schema.safeParse(raw)
    if (!result.success) {
      const detail = result.error.issues.map((i) => `${i.path.join('.') || 'frame'}: ${i.message}`).join('; ')
      return this.sendError('invalid_frame', detail, ref)
    }
    const f = result.data
    // Synchronous part first (access + handing the send to the writer), so order is kept.
    let work: Promise<void> | undefined
    try {
      work = this.dispatch(f, ref)
    } catch (err) {
      return this.fail(err, ref)
    }
    if (work) this.queue = inOrder(this.queue, work, (err) => this.fail(err, ref))
  }

  private fail(err: unknown, ref?: string) {
    const { code, message, unexpected } = errorFrameFor(err)
    if (unexpected) this.ctx.log.error({ err, userId: this.userId }, 'chat frame failed')
    this.sendError(code, message, ref)
  }

  private dispatch(f: ClientFrame, ref?: string): Promise<void> | undefined {
    const ctx = this.ctx
    // @NOTE Access comes from the hub's membership cache, synchronously, so frames keep their
    // order. A miss looks in the database once, after the contact events are handled (ADR 0012):
    // the direct conversation of a contact accepted a moment ago may not have reached the cache.
    const whenMember = (
      conversationId: string,
      run: () => Promise<void> | void,
    ): Promise<void> | undefined => {
      if (ctx.hub.roleOf(this.userId, conversationId)) return run() ?? undefined
      return requireMember(ctx.db, this.caller, conversationId, ctx.bus).then(
        () => run(),
        () => this.sendError('not_found', `No conversation ${conversationId}.`, ref),
      )
    }
    switch (f.type) {
      case 'ping':
        this.sendFrame('pong', {}, ref)
        return
      case 'join_conversation':
        return whenMember(f.conversation_id, () => this.join(f.conversation_id, f.after_seq, ref))
      case 'leave_conversation':
        // @NOTE Ends the conversation-scoped extras only (typing); the socket keeps every event of
        // the user's conversations, which reach it without joining (SPEC section 6, ADR 0007).
        return whenMember(f.conversation_id, () => ctx.typing.stop(f.conversation_id, this.userId))
      case 'send_message':
      case 'message': {
        const conversationId = f.type === 'message' ? this.scopedConversationId! : f.conversation_id
        const clientId = f.client_id ?? null
        const scoped = f.type === 'message'
        return whenMember(conversationId, () =>
          sendMessage(ctx, this.caller, conversationId, {
            content: f.content,
            messageType: scoped ? 'text' : f.message_type,
            replyTo: f.reply_to,
            attachmentIds: scoped ? [] : f.attachment_ids,
            clientId,
          }).then(({ message }) => this.sendFrame('message_ack', { client_id: clientId, message }, ref)),
        )
      }
      case 'edit_message':
        return editMessage(ctx, this.caller, f.message_id, f.content).then(() => undefined)
      case 'delete_message':
        return deleteMessage(ctx, this.caller, f.message_id)
      case 'start_typing':
      case 'stop_typing':
      case 'typing': {
        const conversationId = f.type === 'typing' ? this.scopedConversationId! : f.conversation_id
        const starting = f.type === 'typing' ? f.is_typing : f.type === 'start_typing'
        return whenMember(conversationId, () =>
          starting
            ? ctx.typing.start(conversationId, this.userId)
            : ctx.typing.stop(conversationId, this.userId),
        )
      }
      case 'add_reaction':
        return addReaction(ctx, this.caller, f.message_id, f.emoji).then(() => undefined)
      case 'remove_reaction':
        return removeReaction(ctx, this.caller, f.message_id, f.emoji)
      case 'mark_read':
      case 'read': {
        const conversationId = f.type === 'read' ? this.scopedConversationId! : f.conversation_id
        return whenMember(conversationId, () =>
          markRead(ctx, this.caller, conversationId, f.up_to_seq).then(() => undefined),
        )
      }
      case 'update_presence':
        return ctx.presence.setStatus(this.userId, f.status).then(() => undefined)
      case 'sync':
        return syncFor(ctx, this.userId, f.since).then((r) =>
          this.sendFrame('sync', { events: r.events, next: r.next }, ref),
        )
    }
  }

  /** History on join: after `after_seq` (catch-up, oldest first) or the latest 100. */
  async join(conversationId: string, afterSeq: number | undefined, ref?: string) {
    const m = await requireMember(this.ctx.db, this.caller, conversationId, this.ctx.bus)
    const { messages, has_more } = await historyOf(this.ctx, this.caller, m, {
      afterSeq,
      limit: HISTORY_LIMIT,
    })
    this.sendFrame('history', { conversation_id: conversationId, messages, has_more }, ref)
  }
}

function refOf(data: Buffer | ArrayBuffer | Buffer[]): string | undefined {
  try {
    const text = data.toString()
    if (text.length > 70_000) return undefined
    const ref = (JSON.parse(text) as { ref?: unknown } | null)?.ref
    return typeof ref === 'string' ? ref : undefined
  } catch {
    return undefined
  }
}
