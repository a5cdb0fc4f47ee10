import type { ServerFrameMap, ServerFrameType, Role } from '@parley/contracts'
import type { Db, Fanout } from '@parley/platform'
import { sql } from 'kysely'
import type { Logger } from 'pino'
import { Batcher } from './batcher'
import { prepareTextFrame, type PreparedFrame } from './prepared-frame'

/** A local socket as the hub sees it. */
export interface HubConnection {
  readonly userId: string
  /** Sends a pre-serialized (or pre-framed) frame; false when the socket is gone or was cut off. */
  send(frame: string | PreparedFrame): boolean
}

type MembershipRow = { conversation_id: string; role: Role }

/** A membership change a node hears on a `user:<id>` topic (frames for the user come as FRAME_PREFIX + frame). */
type UserControl = { op: 'add'; conversation_id: string; role: Role } | { op: 'remove'; conversation_id: string }

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

const MESSAGE_PREFIX = 'm '
/** How long a message that arrived ahead of its predecessors waits for them (cross-node races are ms). */
const REORDER_HOLD_MS = 250
const FRAME_PREFIX = 'f\n'

/**
 * This node's view of realtime delivery. It keeps, for each user with a socket here, the
 * conversations they belong to (a membership cache loaded at connect and kept right by
 * control messages on `user:<id>`), an index conversation → local sockets, and one
 * subscription per conversation topic `conv:<id>`. Every write path publishes through here,
 * so the same code is correct with one node or many (the fanout carries it between nodes).
 */
export class RealtimeHub {
  private readonly memberships = new Map<string, Map<string, Role>>()
  private readonly loading = new Map<string, Promise<void>>()
  private readonly pendingControls = new Map<string, UserControl[]>()
  private readonly connsByUser = new Map<string, Set<HubConnection>>()
  private readonly connsByConv = new Map<string, Set<HubConnection>>()
  private readonly convSubs = new Map<string, () => void>()
  /** Per subscribed conversation: the next seq to hand out and messages that arrived ahead of it. */
  private readonly order = new Map<string, { next: number; held: Map<number, string>; timer?: NodeJS.Timeout }>()
  private readonly userSubs = new Map<string, () => void>()
  private readonly membershipLoads = new Batcher<string, MembershipRow[]>((userIds) => this.queryMemberships(userIds))

  constructor(
    private readonly db: Db,
    private readonly fanout: Fanout,
    private readonly log: Logger,
    private readonly hooks: HubHooks,
  ) {}

  // ---- publishing (any node) ------------------------------------------------------------------

  /** A frame for every connected member of a conversation. */
  toConversation<K extends ServerFrameType>(conversationId: string, type: K, payload: ServerFrameMap[K]) {
    this.fanout.publish(`conv:${conversationId}`, FRAME_PREFIX + frame(type, payload))
  }

  /** A new message: serialized once, with a header so receivers can count delivery without parsing. */
  publishMessage(conversationId: string, seq: number, senderId: string, serialized: string) {
    this.fanout.publish(`conv:${conversationId}`, `${MESSAGE_PREFIX}${seq} ${senderId} ${Date.now()}\n${serialized}`)
  }

  /**
   * A frame for every socket of one user. It travels as-is behind a prefix, not wrapped in a JSON
   * control message: a fan-out flush sends thousands of these (delivery receipts to authors).
   */
  toUser<K extends ServerFrameType>(userId: string, type: K, payload: ServerFrameMap[K]) {
    this.fanout.publish(`user:${userId}`, FRAME_PREFIX + frame(type, payload))
  }

  /** Membership changes reach every node before the next frame is handled there. */
  memberAdded(conversationId: string, userId: string, role: Role) {
    this.publishControl(userId, { op: 'add', conversation_id: conversationId, role })
  }

  memberRemoved(conversationId: string, userId: string) {
    this.publishControl(userId, { op: 'remove', conversation_id: conversationId })
  }

  private publishControl(userId: string, control: UserControl) {
    this.fanout.publish(`user:${userId}`, JSON.stringify(control))
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
      this.userSubs.set(userId, this.fanout.subscribe(`user:${userId}`, (m) => this.onUserMessage(userId, m)))
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
    if (!conns.has(conn)) return // closed while loading
    for (const conversationId of this.memberships.get(userId)?.keys() ?? []) this.index(conversationId, conn)
  }

  remove(conn: HubConnection) {
    const conns = this.connsByUser.get(conn.userId)
    if (!conns?.delete(conn)) return
    for (const conversationId of this.memberships.get(conn.userId)?.keys() ?? []) this.unindex(conversationId, conn)
    if (conns.size === 0) {
      this.connsByUser.delete(conn.userId)
      this.memberships.delete(conn.userId)
      this.userSubs.get(conn.userId)?.()
      this.userSubs.delete(conn.userId)
    }
  }

  private async loadMemberships(userId: string) {
    this.pendingControls.set(userId, [])
    try {
      const rows = await this.membershipLoads.add(userId)
      const map = new Map(rows.map((r) => [r.conversation_id, r.role]))
      for (const control of this.pendingControls.get(userId) ?? []) applyControl(map, control)
      if (this.connsByUser.has(userId)) this.memberships.set(userId, map)
    } finally {
      this.pendingControls.delete(userId)
    }
  }

  /** The memberships of many connecting users in one query (a reconnect storm opens thousands). */
  private async queryMemberships(userIds: string[]): Promise<MembershipRow[][]> {
    const { rows } = await sql<MembershipRow & { user_id: string }>`select p.user_id, p.conversation_id, p.role
      from chat.participants p join chat.conversations c on c.id = p.conversation_id
      where p.user_id = any(${userIds}::uuid[]) and p.left_at is null and c.deleted_at is null`.execute(this.db)
    const byUser = new Map<string, MembershipRow[]>(userIds.map((u) => [u, []]))
    for (const r of rows) byUser.get(r.user_id)?.push({ conversation_id: r.conversation_id, role: r.role })
    return userIds.map((u) => byUser.get(u)!)
  }

  private index(conversationId: string, conn: HubConnection) {
    let set = this.connsByConv.get(conversationId)
    if (!set) {
      this.connsByConv.set(conversationId, (set = new Set()))
      this.convSubs.set(conversationId, this.fanout.subscribe(`conv:${conversationId}`, (m) => this.onConversationMessage(conversationId, m)))
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
    if (raw.startsWith(FRAME_PREFIX)) return sendFrame(this.connsByUser.get(userId), raw)
    let control: UserControl
    try {
      control = JSON.parse(raw)
    } catch {
      return
    }
    const pending = this.pendingControls.get(userId)
    if (pending) pending.push(control)
    const map = this.memberships.get(userId)
    if (!map) return
    const had = map.has(control.conversation_id)
    applyControl(map, control)
    const conns = this.connsByUser.get(userId) ?? []
    if (control.op === 'add' && !had) for (const conn of conns) this.index(control.conversation_id, conn)
    if (control.op === 'remove' && had) for (const conn of conns) this.unindex(control.conversation_id, conn)
  }

  private onConversationMessage(conversationId: string, raw: string) {
    const conns = this.connsByConv.get(conversationId)
    if (!conns) return
    if (raw.startsWith(FRAME_PREFIX)) return sendFrame(conns, raw)
    if (!raw.startsWith(MESSAGE_PREFIX)) return
    const newline = raw.indexOf('\n')
    const seq = Number(raw.slice(MESSAGE_PREFIX.length, raw.indexOf(' ', MESSAGE_PREFIX.length)))
    // @NOTE Two nodes commit consecutive seqs one after the other (the conversation row lock), but
    // their publishes can reach the fan-out in the other order. A message that arrives ahead of
    // the next expected seq waits here (at most REORDER_HOLD_MS) for the ones before it, so every
    // node hands its sockets one seq order; if they never come, the client catches up by seq.
    const order = this.order.get(conversationId)
    if (!order || seq < order.next) {
      if (!order) this.order.set(conversationId, { next: seq + 1, held: new Map() })
      return this.deliverMessage(conversationId, raw, newline, seq)
    }
    if (seq > order.next) {
      order.held.set(seq, raw)
      order.timer ??= setTimeout(() => this.releaseHeld(conversationId), REORDER_HOLD_MS)
      return
    }
    this.deliverMessage(conversationId, raw, newline, seq)
    order.next = seq + 1
    for (let held = order.held.get(order.next); held !== undefined; held = order.held.get(order.next)) {
      order.held.delete(order.next)
      this.deliverMessage(conversationId, held, held.indexOf('\n'), order.next)
      order.next++
    }
    if (order.held.size === 0 && order.timer) {
      clearTimeout(order.timer)
      order.timer = undefined
    }
  }

  /** The hold ran out: deliver what waited, in seq order, and expect what follows it. */
  private releaseHeld(conversationId: string) {
    const order = this.order.get(conversationId)
    if (!order) return
    order.timer = undefined
    for (const seq of [...order.held.keys()].sort((a, b) => a - b)) {
      const raw = order.held.get(seq)!
      this.deliverMessage(conversationId, raw, raw.indexOf('\n'), seq)
      order.next = seq + 1
    }
    order.held.clear()
  }

  private deliverMessage(conversationId: string, raw: string, newline: number, seq: number) {
    const conns = this.connsByConv.get(conversationId)
    if (!conns) return
    const [, senderId, publishedAt] = raw.slice(MESSAGE_PREFIX.length, newline).split(' ')
    // @NOTE Framed once here, then the same bytes go to every local member's socket.
    const body = prepareTextFrame(raw.slice(newline + 1))
    this.hooks.observeLag((Date.now() - Number(publishedAt)) / 1000)
    for (const conn of conns) {
      if (conn.send(body) && conn.userId !== senderId) this.hooks.onDelivered(conversationId, conn.userId, seq, senderId)
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

/** A FRAME_PREFIX message to every local socket in `conns`: framed once when several share it. */
function sendFrame(conns: Set<HubConnection> | undefined, raw: string) {
  if (!conns) return
  const f = raw.slice(FRAME_PREFIX.length)
  const prepared = conns.size > 1 ? prepareTextFrame(f) : f
  for (const conn of conns) conn.send(prepared)
}

function applyControl(map: Map<string, Role>, control: UserControl) {
  if (control.op === 'add') map.set(control.conversation_id, control.role)
  else if (control.op === 'remove') map.delete(control.conversation_id)
}
