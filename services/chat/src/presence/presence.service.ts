import type { PresenceStatus, PresenceWire, UserPresenceChangedPayload } from '@parley/contracts'
import { type EventBus, newId, transaction } from '@parley/platform'
import type { Logger } from 'pino'

import { blocksOf } from '../contacts/contacts.repository'
import type { ChatDb } from '../db/schema'
import { Batcher } from '../realtime/batcher'
import type { RealtimeHub } from '../realtime/hub'
import { tenantsOf } from '../users/users.repository'
import {
  applySocketCounts,
  deleteDeadNodes,
  deleteNode,
  deleteOrphanSockets,
  directPartners,
  factsInTenant,
  factsOf,
  markOffline,
  type PresenceFacts,
  registerNode,
  saveStatus,
  touchNode,
} from './presence.repository'

/** A user's presence as clients and other services see it (the contracts' wire shape). */
export type PresenceView = PresenceWire

export interface PresenceOptions {
  /** How often this node refreshes its heartbeat and sweeps dead nodes. */
  heartbeatMs: number
  /** A node whose heartbeat is older than this is dead: its sockets no longer count. */
  ttlMs: number
}

interface SocketChange {
  userId: string
  /** +1 a socket opened, -1 one closed. */
  delta: number
}

/**
 * Presence across tabs, devices and nodes: a user is online while a live node holds at least
 * one of their sockets, and then shows the status they chose (online, away, busy; `offline`
 * means "appear offline"). Each node counts its sockets under its own id and beats a heartbeat;
 * a node that dies without closing its sockets stops counting once its heartbeat is older than
 * the TTL, and the next sweep (by any node) removes its rows and tells contacts the users left.
 * Changes go to the people who share a direct conversation with the user (contacts), and to other
 * services as `user.presence_changed` events (the contacts service shows them in its contact list).
 */
export class PresenceService {
  /** This node's id in `chat.presence_nodes`; one per service instance. */
  readonly nodeId = newId()
  /** This node's sockets per user, to restore its rows if a sweep took it for dead. */
  private readonly local = new Map<string, number>()
  private timer?: NodeJS.Timeout
  private ticking?: Promise<void>
  /** The `user.presence_changed` events still being written to the outbox, one batch after another. */
  private announcing: Promise<void> = Promise.resolve()
  private readonly socketChanges = new Batcher<SocketChange, void>((changes) =>
    this.applySocketChanges(changes),
  )

  constructor(
    private readonly db: ChatDb,
    private readonly hub: RealtimeHub,
    private readonly bus: EventBus,
    private readonly log: Logger,
    private readonly options: PresenceOptions,
  ) {}

  /** Registers this node and starts its heartbeat and the sweep of dead nodes. */
  async start() {
    await this.beat()
    this.timer = setInterval(() => this.tick(), this.options.heartbeatMs)
    this.timer.unref()
  }

  /** A socket of `userId` opened on this node; resolves once it counts (and contacts were told). */
  connected(userId: string): Promise<void> {
    this.local.set(userId, (this.local.get(userId) ?? 0) + 1)
    return this.socketChanges.add({ userId, delta: 1 })
  }

  /** A socket of `userId` on this node closed. */
  disconnected(userId: string): Promise<void> {
    const left = (this.local.get(userId) ?? 1) - 1
    if (left > 0) this.local.set(userId, left)
    else this.local.delete(userId)
    return this.socketChanges.add({ userId, delta: -1 })
  }

  /**
   * Socket counts of many users at once (see Batcher): a reconnect storm of thousands of sockets
   * costs a few statements per batch, not four round trips per socket. Users whose live socket
   * count went from 0 to some or back are announced.
   */
  private async applySocketChanges(changes: SocketChange[]): Promise<void[]> {
    const net = new Map<string, number>()
    for (const c of changes) net.set(c.userId, (net.get(c.userId) ?? 0) + c.delta)
    // Sorted: two nodes writing overlapping users lock their presence rows in the same order. The
    // counts are what this node holds now: the batch was taken from the queue in this same turn, so
    // `local` is what this batch and every one before it add up to.
    const sockets = [...net.keys()].sort().map((userId) => ({ userId, n: this.local.get(userId) ?? 0 }))
    const rows = await transaction(this.db, (tx) =>
      applySocketCounts(tx.db, this.nodeId, this.options.ttlMs, sockets),
    )
    const changed: PresenceView[] = []
    for (const row of rows) {
      const now = row.sockets
      const before = now - net.get(row.user_id)!
      if ((before === 0) !== (now === 0)) changed.push(toView({ ...row, online: now > 0 }))
    }
    await this.broadcast(changed)
    return changes.map(() => undefined)
  }

  async setStatus(userId: string, status: PresenceStatus): Promise<PresenceView> {
    const view = toView(await saveStatus(this.db, this.options.ttlMs, userId, status))
    await this.broadcast([view])
    return view
  }

  /** Presence as `viewerId` may see it: someone they have a block with (either way) shows as never seen. */
  async get(tenantId: string, userIds: string[], viewerId: string): Promise<PresenceView[]> {
    if (!userIds.length) return []
    const [rows, [walled]] = await Promise.all([
      factsInTenant(this.db, this.options.ttlMs, tenantId, userIds),
      blocksOf(this.db, [viewerId]),
    ])
    const views = rows.map(toView)
    if (!walled.length) return views
    const hidden = new Set(walled)
    return views.map((v) =>
      hidden.has(v.user_id) ? { user_id: v.user_id, status: 'offline', last_seen: null } : v,
    )
  }

  async me(userId: string): Promise<PresenceView> {
    return (await this.viewsOf([userId]))[0]
  }

  /** The presence of each user in `userIds` (no tenant filter: callers hold their own ids), in one query. */
  private async viewsOf(userIds: string[]): Promise<PresenceView[]> {
    const rows = await factsOf(this.db, this.options.ttlMs, userIds)
    return rows.map(toView)
  }

  /**
   * Refreshes this node's heartbeat. If the row is gone, another node swept this one for dead
   * (a long pause, a partition): it registers again and restores its sockets.
   */
  async beat() {
    if (await touchNode(this.db, this.nodeId)) return
    const users = [...this.local.keys()]
    await transaction(this.db, (tx) =>
      registerNode(
        tx.db,
        this.nodeId,
        users.map((u) => ({ userId: u, n: this.local.get(u) ?? 1 })),
      ),
    )
    if (users.length)
      this.log.warn(
        { nodeId: this.nodeId, users: users.length },
        'presence node re-registered after being swept',
      )
    if (users.length) await this.broadcast(await this.viewsOf(users))
  }

  /**
   * Removes nodes whose heartbeat is older than the TTL, with their sockets (and sockets whose
   * node row is gone); users left without a socket on a live node go offline, last seen when
   * their node last beat.
   */
  async sweep() {
    const offline = await transaction(this.db, async (tx) => {
      const dead = await deleteDeadNodes(tx.db, this.nodeId, this.options.ttlMs)
      const gone = await deleteOrphanSockets(tx.db)
      if (!gone.length) return []
      const lastBeat = new Map(dead.map((r) => [r.node_id, r.heartbeat_at]))
      const seen = new Map<string, Date>()
      for (const g of gone) {
        const at = lastBeat.get(g.node_id) ?? new Date()
        if (!seen.has(g.user_id) || seen.get(g.user_id)! < at) seen.set(g.user_id, at)
      }
      return markOffline(tx.db, this.options.ttlMs, seen)
    })
    if (offline.length) this.log.info({ users: offline.length }, 'presence swept sockets of dead nodes')
    await this.broadcast(offline.map(toView))
  }

  async close() {
    clearInterval(this.timer)
    await this.ticking
    await this.socketChanges.drain()
    await this.announcing
    // A graceful stop: this node's sockets stop counting at once instead of after the TTL.
    await transaction(this.db, (tx) => deleteNode(tx.db, this.nodeId)).catch((err) =>
      this.log.warn({ err }, 'presence node not removed'),
    )
  }

  private tick() {
    if (this.ticking) return
    this.ticking = this.beat()
      .then(() => this.sweep())
      .catch((err) => this.log.warn({ err }, 'presence heartbeat failed'))
      .finally(() => (this.ticking = undefined))
  }

  /** Tells each user's contacts (and the user's other tabs) and, through the outbox, other services. */
  private async broadcast(views: PresenceView[]) {
    if (!views.length) return
    this.announce(views)
    try {
      // @NOTE Live presence goes to the user's direct-conversation partners (their contacts), as
      // the web client shows it there; group members read it with GET presence/?user_ids=. Telling
      // every member of every group made a reconnect storm cost users × group size frames.
      const rows = await directPartners(
        this.db,
        views.map((v) => v.user_id),
      )
      const targets = new Map<string, Set<string>>()
      // The user's other tabs first, then their contacts.
      for (const v of views) targets.set(v.user_id, new Set([v.user_id]))
      for (const r of rows) targets.get(r.subject)?.add(r.target)
      for (const v of views)
        for (const target of targets.get(v.user_id)!) this.hub.toUser(target, 'presence', v, v.user_id)
    } catch (err) {
      this.log.warn({ err, users: views.length }, 'presence not broadcast')
    }
  }

  /**
   * Publishes `user.presence_changed` through the outbox in its own short transaction, without
   * holding up the sockets (nothing awaits it, and a failure is only logged: presence heals on the
   * next transition). Announcements are written one batch after another in broadcast order, so a
   * user's events get occurredAt in that order, which is what consumers use to drop stale ones.
   */
  private announce(views: PresenceView[]) {
    this.announcing = this.announcing
      .then(() =>
        transaction(this.db, async (tx) => {
          const tenants = await tenantsOf(
            tx.db,
            views.map((v) => v.user_id),
          )
          // @NOTE A user auth has not told chat about yet has no tenant to publish under; skipped.
          const known = views.filter((view) => tenants.has(view.user_id))
          await this.bus.publishMany<UserPresenceChangedPayload>(
            tx,
            'chat',
            known.map((view) => ({
              type: 'user.presence_changed',
              tenantId: tenants.get(view.user_id)!,
              payload: { user_id: view.user_id, status: view.status, last_seen: view.last_seen },
            })),
          )
        }),
      )
      .catch((err) => this.log.warn({ err, users: views.length }, 'presence change not published'))
  }
}

function toView(r: PresenceFacts): PresenceView {
  return {
    user_id: r.user_id,
    status: r.online ? (r.status ?? 'online') : 'offline',
    last_seen: r.last_seen ? new Date(r.last_seen).toISOString() : null,
  }
}
