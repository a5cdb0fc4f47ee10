import type { Role, ServerFrameMap, ServerFrameType } from '@parley/contracts'
import type { Fanout } from '@parley/platform'
import type { Logger } from 'pino'

import { Batcher } from './batcher'
import { type PreparedFrame, prepareTextFrame } from './prepared-frame'

/**
 * Everything the realtime hub publishes on the fan-out, declared once for both transports (the
 * in-process fan-out and Redis carry the same strings). Topics: `conv:<id>` carries `message`
 * and `frame`; `user:<id>` carries `frame`, `member_added` and `member_removed`.
 */
export type HubMessage =
  /** A new message: its frame serialized once, with a header so receivers order and count it without parsing the frame. */
  | { kind: 'message'; seq: number; senderId: string; publishedAt: number; frame: string }
  /**
   * A serialized server frame for every local socket of the topic; `from` names the user whose
   * signal it is (typing, presence, receipts, reactions), which sockets of users who have a block
   * with that user never get.
   */
  | { kind: 'frame'; frame: string; from?: string }
  /**
   * Membership changes, so every node's membership cache is right before its next frame. An added
   * member's `lastSeq`, when the sender knows it exactly (a conversation just created: 0), is the
   * order baseline of a node that subscribes for them, in place of a read that could come too late.
   */
  | { kind: 'member_added'; conversationId: string; role: Role; lastSeq?: number }
  | { kind: 'member_removed'; conversationId: string }
  /** A block between the topic's user and `userId` began (`blocked`) or ended, on every node. */
  | { kind: 'block'; userId: string; blocked: boolean }

// @NOTE The encoding is the one nodes already speak (a rolling deploy mixes versions): a message is
// `m <seq> <sender> <published ms>\n<frame>`, a frame `f\n<frame>`, a membership change JSON. The
// frame is never wrapped in JSON: a fan-out flush sends thousands of them (receipts to authors).
// A signal with a sender is `a <user>\n<frame>`; a node of an older version ignores it, so during a
// rolling deploy some typing, presence and receipts frames are lost (never messages; receipts heal on sync).
const MESSAGE = 'm '
const FRAME = 'f\n'
const FRAME_FROM = 'a '

export function encodeHubMessage(m: HubMessage): string {
  switch (m.kind) {
    case 'message':
      return `${MESSAGE}${m.seq} ${m.senderId} ${m.publishedAt}\n${m.frame}`
    case 'frame':
      return m.from === undefined ? FRAME + m.frame : `${FRAME_FROM}${m.from}\n${m.frame}`
    case 'member_added':
      return JSON.stringify({
        op: 'add',
        conversation_id: m.conversationId,
        role: m.role,
        last_seq: m.lastSeq,
      })
    case 'member_removed':
      return JSON.stringify({ op: 'remove', conversation_id: m.conversationId })
    case 'block':
      return JSON.stringify({ op: m.blocked ? 'block' : 'unblock', user_id: m.userId })
  }
}

/** The message `raw` encodes; undefined for anything else (a foreign or garbled publish is ignored). */
export function decodeHubMessage(raw: string): HubMessage | undefined {
  if (raw.startsWith(FRAME)) return { kind: 'frame', frame: raw.slice(FRAME.length) }
  if (raw.startsWith(FRAME_FROM)) {
    const newline = raw.indexOf('\n')
    if (newline < 0) return undefined
    return { kind: 'frame', from: raw.slice(FRAME_FROM.length, newline), frame: raw.slice(newline + 1) }
  }
  if (raw.startsWith(MESSAGE)) {
    const newline = raw.indexOf('\n')
    if (newline < 0) return undefined
    const [seq, senderId, publishedAt] = raw.slice(MESSAGE.length, newline).split(' ')
    return {
      kind: 'message',
      seq: Number(seq),
      senderId,
      publishedAt: Number(publishedAt),
      frame: raw.slice(newline + 1),
    }
  }
  let control: {
    op?: unknown
    conversation_id?: unknown
    role?: unknown
    user_id?: unknown
    last_seq?: unknown
  }
  try {
    control = JSON.parse(raw) as typeof control
  } catch {
    return undefined
  }
  if ((control?.op === 'block' || control?.op === 'unblock') && typeof control.user_id === 'string')
    return { kind: 'block', userId: control.user_id, blocked: control.op === 'block' }
  if (typeof control?.conversation_id !== 'string') return undefined
  if (control.op === 'add')
    return {
      kind: 'member_added',
      conversationId: control.conversation_id,
      role: control.role as Role,
      ...(Number.isSafeInteger(control.last_seq) ? { lastSeq: control.last_seq as number } : {}),
    }
  if (control.op === 'remove') return { kind: 'member_removed', conversationId: control.conversation_id }
  return undefined
}

/** A local socket as the hub sees it. */
export interface HubConnection {
  readonly userId: string
  /** Sends a pre-serialized (or pre-framed) frame; false when the socket is gone or was cut off. */
  send(frame: string | PreparedFrame): boolean
}

/** A membership; `last_seq` (the conversation's last seq when loaded) gives this node's order baseline. */
type MembershipRow = { conversation_id: string; role: Role; last_seq?: number }

/** The live memberships of many users, one list per user in order (the participants repository). */
export type MembershipLoader = (userIds: string[]) => Promise<MembershipRow[][]>

/** For each of many users, the users they have a block with (either way), in order (the contacts repository). */
export type BlockLoader = (userIds: string[]) => Promise<string[][]>

type MessageEnvelope = Extract<HubMessage, { kind: 'message' }>
type MembershipChange = Extract<HubMessage, { kind: 'member_added' | 'member_removed' }>
type Control = Extract<HubMessage, { kind: 'member_added' | 'member_removed' | 'block' }>

/** What the hub reads from the database to keep each conversation's seq order on every node. */
export interface HubHistory {
  /** The last committed seq of each conversation, in order (one query for many). */
  lastSeqs(conversationIds: string[]): Promise<number[]>
  /** The `new_message` frames of a conversation with `fromSeq <= seq <= toSeq`, ascending. */
  messagesBetween(
    conversationId: string,
    fromSeq: number,
    toSeq: number,
  ): Promise<Array<{ seq: number; senderId: string; frame: string }>>
}

export interface HubHooks {
  /** A message frame was handed to a member's socket (drives delivery receipts); positional, no allocation per recipient. */
  onDelivered(conversationId: string, userId: string, seq: number, senderId: string): void
  /** Fan-out lag (publish to local send) in seconds. */
  observeLag(seconds: number): void
}

/** Serializes a server frame once; the string is then shared by every recipient. */
export function frame<K extends ServerFrameType>(type: K, payload: ServerFrameMap[K], ref?: string): string {
  return JSON.stringify(ref === undefined ? { type, ...payload } : { type, ...payload, ref })
}

/**
 * How long a message that arrived ahead of its predecessors waits for them through the fan-out
 * (cross-node races are ms) before the node reads the missing ones from the database.
 */
const REORDER_HOLD_MS = 250
/** The most messages one gap fill reads. */
const MAX_GAP_FILL = 200

/**
 * Per subscribed conversation: the next seq to hand out (undefined while the baseline loads) and
 * messages that arrived ahead of it.
 */
interface ConversationOrder {
  next: number | undefined
  held: Map<number, MessageEnvelope>
  timer?: NodeJS.Timeout
  /** A read of the missing seqs from the database is in flight. */
  filling?: boolean
}

/**
 * This node's view of realtime delivery. It keeps, for each user with a socket here, the
 * conversations they belong to (a membership cache loaded at connect and kept right by
 * control messages on `user:<id>`), an index conversation → local sockets, and one
 * subscription per conversation topic `conv:<id>`. Every write path publishes through here,
 * so the same code is correct with one node or many (the fanout carries it between nodes).
 */
export class RealtimeHub {
  private readonly memberships = new Map<string, Map<string, Role>>()
  /** Per user whose memberships just loaded: the conversations' last seqs then, until indexed. */
  private readonly loadedSeqs = new Map<string, Map<string, number>>()
  /** Per local user with at least one block: the users they have a block with, either way. */
  private readonly blocks = new Map<string, Set<string>>()
  private readonly loading = new Map<string, Promise<void>>()
  private readonly pendingControls = new Map<string, Control[]>()
  private readonly connsByUser = new Map<string, Set<HubConnection>>()
  private readonly connsByConv = new Map<string, Set<HubConnection>>()
  private readonly convSubs = new Map<string, () => void>()
  private readonly order = new Map<string, ConversationOrder>()
  private readonly userSubs = new Map<string, () => void>()
  /** The memberships of many connecting users in one query (a reconnect storm opens thousands). */
  private readonly membershipLoads: Batcher<string, MembershipRow[]>
  /** Conversations' last seqs, for the order baseline of a conversation indexed without one. */
  private readonly lastSeqLoads: Batcher<string, number>
  private readonly blockLoads: Batcher<string, string[]>

  constructor(
    loadMemberships: MembershipLoader,
    private readonly fanout: Fanout,
    private readonly log: Logger,
    private readonly hooks: HubHooks,
    private readonly history: HubHistory,
    loadBlocks: BlockLoader = async (userIds) => userIds.map(() => []),
  ) {
    this.membershipLoads = new Batcher(loadMemberships)
    this.lastSeqLoads = new Batcher((ids) => history.lastSeqs(ids))
    this.blockLoads = new Batcher(loadBlocks)
  }

  // ---- publishing (any node) ------------------------------------------------------------------

  /**
   * A frame for every connected member of a conversation. `from`: the user whose signal it is
   * (typing, receipts, reactions); members who have a block with them do not get it.
   */
  toConversation<K extends ServerFrameType>(
    conversationId: string,
    type: K,
    payload: ServerFrameMap[K],
    from?: string,
  ) {
    this.publish(`conv:${conversationId}`, { kind: 'frame', frame: frame(type, payload), from })
  }

  /** A new message: serialized once, with a header so receivers can count delivery without parsing. */
  publishMessage(conversationId: string, seq: number, senderId: string, serialized: string) {
    this.publish(`conv:${conversationId}`, {
      kind: 'message',
      seq,
      senderId,
      publishedAt: Date.now(),
      frame: serialized,
    })
  }

  /** A frame for every socket of one user; not sent if `from` is given and the two have a block. */
  toUser<K extends ServerFrameType>(userId: string, type: K, payload: ServerFrameMap[K], from?: string) {
    this.publish(`user:${userId}`, { kind: 'frame', frame: frame(type, payload), from })
  }

  /** A block between two users began or ended (`blocked`: whether one still blocks the other). */
  blockChanged(a: string, b: string, blocked: boolean) {
    this.publish(`user:${a}`, { kind: 'block', userId: b, blocked })
    this.publish(`user:${b}`, { kind: 'block', userId: a, blocked })
  }

  /** Whether a locally connected user has a block with `other` (from memory). */
  hasBlock(userId: string, other: string): boolean {
    return this.blocks.get(userId)?.has(other) ?? false
  }

  /** Membership changes reach every node before the next frame is handled there. */
  memberAdded(conversationId: string, userId: string, role: Role, lastSeq?: number) {
    this.publish(`user:${userId}`, { kind: 'member_added', conversationId, role, lastSeq })
  }

  memberRemoved(conversationId: string, userId: string) {
    this.publish(`user:${userId}`, { kind: 'member_removed', conversationId })
  }

  private publish(topic: string, message: HubMessage) {
    this.fanout.publish(topic, encodeHubMessage(message))
  }

  // ---- local sockets ----------------------------------------------------------------------------

  /** The role of a locally connected user in a conversation, from memory (no query). */
  roleOf(userId: string, conversationId: string): Role | undefined {
    return this.memberships.get(userId)?.get(conversationId)
  }

  conversationsOf(userId: string): string[] {
    return [...(this.memberships.get(userId)?.keys() ?? [])]
  }

  isOnlineHere(userId: string): boolean {
    return (this.connsByUser.get(userId)?.size ?? 0) > 0
  }

  /** Registers a socket; resolves once its user's memberships are loaded and indexed. */
  async add(conn: HubConnection): Promise<void> {
    const userId = conn.userId
    let conns = this.connsByUser.get(userId)
    if (!conns) {
      this.connsByUser.set(userId, (conns = new Set()))
      // Subscribe before loading, so that a change racing the load is queued, not lost.
      this.userSubs.set(
        userId,
        this.fanout.subscribe(`user:${userId}`, (m) => this.onUserMessage(userId, m)),
      )
    }
    conns.add(conn)
    if (!this.memberships.has(userId)) {
      let load = this.loading.get(userId)
      if (!load) {
        load = this.loadMemberships(userId).finally(() => this.loading.delete(userId))
        this.loading.set(userId, load)
      }
      await load
    }
    const lastSeqs = this.loadedSeqs.get(userId)
    this.loadedSeqs.delete(userId)
    if (!conns.has(conn)) return // closed while loading
    for (const conversationId of this.memberships.get(userId)?.keys() ?? [])
      this.index(conversationId, conn, lastSeqs?.get(conversationId))
  }

  remove(conn: HubConnection) {
    const conns = this.connsByUser.get(conn.userId)
    if (!conns?.delete(conn)) return
    for (const conversationId of this.memberships.get(conn.userId)?.keys() ?? [])
      this.unindex(conversationId, conn)
    if (conns.size === 0) {
      this.connsByUser.delete(conn.userId)
      this.memberships.delete(conn.userId)
      this.blocks.delete(conn.userId)
      this.userSubs.get(conn.userId)?.()
      this.userSubs.delete(conn.userId)
    }
  }

  private async loadMemberships(userId: string) {
    this.pendingControls.set(userId, [])
    try {
      const [rows, blocked] = await Promise.all([
        this.membershipLoads.add(userId),
        this.blockLoads.add(userId),
      ])
      const map = new Map(rows.map((r) => [r.conversation_id, r.role]))
      const blocks = new Set(blocked)
      for (const control of this.pendingControls.get(userId) ?? []) {
        if (control.kind === 'block') applyBlock(blocks, control)
        else applyControl(map, control)
      }
      if (this.connsByUser.has(userId)) {
        this.memberships.set(userId, map)
        if (blocks.size) this.blocks.set(userId, blocks)
        const lastSeqs = new Map<string, number>()
        for (const r of rows)
          if (r.last_seq !== undefined) lastSeqs.set(r.conversation_id, Number(r.last_seq))
        this.loadedSeqs.set(userId, lastSeqs)
      }
    } finally {
      this.pendingControls.delete(userId)
    }
  }

  private index(conversationId: string, conn: HubConnection, lastSeq?: number) {
    let set = this.connsByConv.get(conversationId)
    if (!set) {
      this.connsByConv.set(conversationId, (set = new Set()))
      this.convSubs.set(
        conversationId,
        this.fanout.subscribe(`conv:${conversationId}`, (m) => this.onConversationMessage(conversationId, m)),
      )
      this.startOrder(conversationId, lastSeq)
    }
    set.add(conn)
  }

  private unindex(conversationId: string, conn: HubConnection) {
    const set = this.connsByConv.get(conversationId)
    if (!set?.delete(conn)) return
    if (set.size === 0) {
      this.connsByConv.delete(conversationId)
      this.convSubs.get(conversationId)?.()
      this.convSubs.delete(conversationId)
      clearTimeout(this.order.get(conversationId)?.timer)
      this.order.delete(conversationId)
    }
  }

  private onUserMessage(userId: string, raw: string) {
    const message = decodeHubMessage(raw)
    if (!message || message.kind === 'message') return
    if (message.kind === 'frame') {
      if (message.from !== undefined && this.hasBlock(userId, message.from)) return
      return sendFrame(this.connsByUser.get(userId), message.frame)
    }
    const pending = this.pendingControls.get(userId)
    if (pending) pending.push(message)
    if (message.kind === 'block') {
      if (!this.connsByUser.has(userId) || pending) return
      const blocks = this.blocks.get(userId) ?? new Set<string>()
      applyBlock(blocks, message)
      if (blocks.size) this.blocks.set(userId, blocks)
      else this.blocks.delete(userId)
      return
    }
    const map = this.memberships.get(userId)
    if (!map) return
    const had = map.has(message.conversationId)
    applyControl(map, message)
    const conns = this.connsByUser.get(userId) ?? []
    if (message.kind === 'member_added' && !had)
      for (const conn of conns) this.index(message.conversationId, conn, message.lastSeq)
    if (message.kind === 'member_removed' && had)
      for (const conn of conns) this.unindex(message.conversationId, conn)
  }

  private onConversationMessage(conversationId: string, raw: string) {
    const conns = this.connsByConv.get(conversationId)
    if (!conns) return
    const message = decodeHubMessage(raw)
    if (message?.kind === 'frame') {
      // @NOTE Only a signal with a sender, on a node where someone has a block, takes the slow path.
      if (message.from === undefined || this.blocks.size === 0) return sendFrame(conns, message.frame)
      return this.sendFrameFrom(conns, message.frame, message.from)
    }
    if (message?.kind !== 'message') return
    // @NOTE Two nodes commit consecutive seqs one after the other (the conversation row lock), but
    // their publishes can reach the fan-out in the other order. Every node hands its sockets one
    // seq order from a baseline it reads when it subscribes (the conversation's last seq then), so
    // the first messages it sees are ordered too: a message ahead of the next expected seq waits
    // (at most REORDER_HOLD_MS) for the ones before it, which are then read from the database (a
    // held seq was committed, so all before it were). What arrives behind the order was delivered.
    const order = this.order.get(conversationId)
    if (!order) return
    const seq = message.seq
    if (order.next !== undefined && seq < order.next) return
    if (order.next === undefined || seq > order.next) {
      order.held.set(seq, message)
      if (order.next !== undefined) this.armHold(conversationId, order)
      return
    }
    this.deliverMessage(conversationId, message)
    order.next = seq + 1
    this.drainHeld(conversationId, order)
  }

  /**
   * The baseline of a newly subscribed conversation: the last seq read with the memberships just
   * before subscribing (later ones reach this node through the fan-out, or the database fills the
   * gap), or, for a conversation joined while connected, read once now.
   */
  private startOrder(conversationId: string, lastSeq: number | undefined) {
    const order: ConversationOrder = { next: undefined, held: new Map() }
    this.order.set(conversationId, order)
    if (lastSeq !== undefined) {
      order.next = lastSeq + 1
      return
    }
    this.lastSeqLoads.add(conversationId).then(
      (lastSeq) => {
        if (this.order.get(conversationId) !== order) return
        // @NOTE Read after subscribing: what arrived meanwhile was published after the subscription,
        // so the sockets get it even when the read already counts it.
        order.next = Math.min(lastSeq + 1, ...order.held.keys())
        this.drainHeld(conversationId, order)
      },
      (err: unknown) => {
        if (this.order.get(conversationId) !== order) return
        this.log.warn(
          { err, conversationId },
          'order baseline not read; starting from the first message held',
        )
        order.next = Math.min(...order.held.keys(), Number.MAX_SAFE_INTEGER)
        this.drainHeld(conversationId, order)
      },
    )
  }

  /** Hands out the held messages that are next in order; keeps waiting for a gap before the rest. */
  private drainHeld(conversationId: string, order: ConversationOrder) {
    if (order.next === undefined) return
    for (const seq of order.held.keys()) if (seq < order.next) order.held.delete(seq)
    for (let held = order.held.get(order.next); held !== undefined; held = order.held.get(order.next)) {
      order.held.delete(order.next)
      this.deliverMessage(conversationId, held)
      order.next++
    }
    if (order.held.size === 0) {
      clearTimeout(order.timer)
      order.timer = undefined
    } else this.armHold(conversationId, order)
  }

  private armHold(conversationId: string, order: ConversationOrder) {
    if (order.timer || order.filling) return
    order.timer = setTimeout(() => void this.fillGap(conversationId, order), REORDER_HOLD_MS)
  }

  /** The hold ran out: the missing seqs come from the database, then what waited, all in seq order. */
  private async fillGap(conversationId: string, order: ConversationOrder) {
    order.timer = undefined
    if (order.next === undefined || order.held.size === 0) return
    const from = order.next
    const to = Math.min(...order.held.keys()) - 1
    order.filling = true
    try {
      // @NOTE A gap this long is not a race but a node that fell behind: its clients catch up by seq.
      if (to - from >= MAX_GAP_FILL) return
      const missing = await this.history.messagesBetween(conversationId, from, to)
      if (this.order.get(conversationId) !== order) return
      for (const m of missing) {
        if (m.seq !== order.next) continue
        this.deliverMessage(conversationId, { kind: 'message', publishedAt: Date.now(), ...m })
        order.next++
      }
    } catch (err) {
      this.log.warn({ err, conversationId, from, to }, 'missing seqs not read; the clients catch up by seq')
    } finally {
      order.filling = false
    }
    if (this.order.get(conversationId) !== order) return
    // @NOTE What the database did not give (it cannot lack a committed seq) is skipped for good.
    if (order.next !== undefined && order.next <= to) order.next = to + 1
    this.drainHeld(conversationId, order)
  }

  private deliverMessage(conversationId: string, message: MessageEnvelope) {
    const conns = this.connsByConv.get(conversationId)
    if (!conns) return
    const { seq, senderId } = message
    // @NOTE Framed once here, then the same bytes go to every local member's socket.
    const body = prepareTextFrame(message.frame)
    this.hooks.observeLag((Date.now() - message.publishedAt) / 1000)
    for (const conn of conns) {
      if (conn.send(body) && conn.userId !== senderId)
        this.hooks.onDelivered(conversationId, conn.userId, seq, senderId)
    }
  }

  /** A signal of `from` to the sockets in `conns` whose user has no block with them. */
  private sendFrameFrom(conns: Set<HubConnection>, f: string, from: string) {
    let prepared: string | PreparedFrame | undefined
    for (const conn of conns) {
      if (this.hasBlock(conn.userId, from)) continue
      prepared ??= conns.size > 1 ? prepareTextFrame(f) : f
      conn.send(prepared)
    }
  }

  close() {
    for (const { timer } of this.order.values()) clearTimeout(timer)
    this.order.clear()
    for (const unsub of this.convSubs.values()) unsub()
    for (const unsub of this.userSubs.values()) unsub()
    this.convSubs.clear()
    this.userSubs.clear()
  }
}

/** A serialized frame to every local socket in `conns`: framed once when several share it. */
function sendFrame(conns: Set<HubConnection> | undefined, f: string) {
  if (!conns) return
  const prepared = conns.size > 1 ? prepareTextFrame(f) : f
  for (const conn of conns) conn.send(prepared)
}

function applyBlock(blocks: Set<string>, change: Extract<HubMessage, { kind: 'block' }>) {
  if (change.blocked) blocks.add(change.userId)
  else blocks.delete(change.userId)
}

function applyControl(map: Map<string, Role>, change: MembershipChange) {
  if (change.kind === 'member_added') map.set(change.conversationId, change.role)
  else map.delete(change.conversationId)
}
