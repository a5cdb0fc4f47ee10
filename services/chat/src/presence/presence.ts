import type { PresenceStatus, UserPresenceChangedPayload } from '@parley/contracts'
import { newId, transaction, type Db, type EventBus } from '@parley/platform'
import { sql, type RawBuilder } from 'kysely'
import type { Logger } from 'pino'
import type { PresenceNodeRow, PresenceRow } from '../db/rows'
import type { RealtimeHub } from '../realtime/hub'

export interface PresenceView {
  user_id: string
  status: PresenceStatus
  last_seen: string | null
}

export interface PresenceOptions {
  /** How often this node refreshes its heartbeat and sweeps dead nodes. */
  heartbeatMs: number
  /** A node whose heartbeat is older than this is dead: its sockets no longer count. */
  ttlMs: number
}

type PresenceFacts = Pick<PresenceRow, 'user_id' | 'last_seen'> & { status: PresenceStatus | null; online: boolean }

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
  /** Per user, the latest `user.presence_changed` still being written to the outbox. */
  private readonly announcing = new Map<string, Promise<void>>()

  constructor(
    private readonly db: Db,
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

  /** A socket of `userId` opened on this node. */
  async connected(userId: string) {
    this.local.set(userId, (this.local.get(userId) ?? 0) + 1)
    await sql`insert into chat.presence_sockets (node_id, user_id, sockets) values (${this.nodeId}, ${userId}, 1)
      on conflict (user_id, node_id) do update set sockets = chat.presence_sockets.sockets + 1`.execute(this.db)
    const { rows } = await sql<PresenceFacts & { sockets: number }>`insert into chat.presence (user_id, last_seen) values (${userId}, now())
      on conflict (user_id) do update set last_seen = now()
      returning user_id, status, last_seen, true as online, ${this.liveSockets(sql`${userId}::uuid`)} as sockets`.execute(this.db)
    if (rows[0].sockets === 1) await this.broadcast(userId, toView(rows[0]))
  }

  /** A socket of `userId` on this node closed. */
  async disconnected(userId: string) {
    const left = (this.local.get(userId) ?? 1) - 1
    if (left > 0) this.local.set(userId, left)
    else this.local.delete(userId)
    const dec = await sql`update chat.presence_sockets set sockets = sockets - 1
      where node_id = ${this.nodeId} and user_id = ${userId} and sockets > 1 returning sockets`.execute(this.db)
    if (!dec.rows.length) await sql`delete from chat.presence_sockets where node_id = ${this.nodeId} and user_id = ${userId}`.execute(this.db)
    const { rows } = await sql<PresenceFacts & { sockets: number }>`update chat.presence set last_seen = now() where user_id = ${userId}
      returning user_id, status, last_seen, false as online, ${this.liveSockets(sql`${userId}::uuid`)} as sockets`.execute(this.db)
    if (rows[0] && rows[0].sockets === 0) await this.broadcast(userId, toView(rows[0]))
  }

  async setStatus(userId: string, status: PresenceStatus): Promise<PresenceView> {
    const { rows } = await sql<PresenceFacts>`insert into chat.presence (user_id, status, last_seen) values (${userId}, ${status}, now())
      on conflict (user_id) do update set status = excluded.status
      returning user_id, status, last_seen, ${this.liveSockets(sql`${userId}::uuid`)} > 0 as online`.execute(this.db)
    const view = toView(rows[0])
    await this.broadcast(userId, view)
    return view
  }

  async get(tenantId: string, userIds: string[]): Promise<PresenceView[]> {
    if (!userIds.length) return []
    const { rows } = await sql<PresenceFacts>`select u.id as user_id, p.status, p.last_seen, ${this.liveSockets(sql`u.id`)} > 0 as online
      from chat.users u left join chat.presence p on p.user_id = u.id
      where u.id = any(${userIds}::uuid[]) and u.tenant_id = ${tenantId}`.execute(this.db)
    return rows.map(toView)
  }

  async me(userId: string): Promise<PresenceView> {
    const { rows } = await sql<PresenceFacts>`select ${userId}::uuid as user_id, p.status, p.last_seen, ${this.liveSockets(sql`${userId}::uuid`)} > 0 as online
      from (select 1) one left join chat.presence p on p.user_id = ${userId}`.execute(this.db)
    return toView(rows[0])
  }

  /**
   * Refreshes this node's heartbeat. If the row is gone, another node swept this one for dead
   * (a long pause, a partition): it registers again and restores its sockets.
   */
  async beat() {
    const { rows } = await sql`update chat.presence_nodes set heartbeat_at = now() where node_id = ${this.nodeId} returning node_id`.execute(this.db)
    if (rows.length) return
    const users = [...this.local.keys()]
    await transaction(this.db, async (tx) => {
      await sql`insert into chat.presence_nodes (node_id) values (${this.nodeId})
        on conflict (node_id) do update set heartbeat_at = now()`.execute(tx.db)
      if (!users.length) return
      await sql`insert into chat.presence_sockets (node_id, user_id, sockets)
        select ${this.nodeId}, k.u, k.n from unnest(${users}::uuid[], ${users.map((u) => this.local.get(u) ?? 1)}::int[]) as k(u, n)
        on conflict (user_id, node_id) do update set sockets = excluded.sockets`.execute(tx.db)
    })
    if (users.length) this.log.warn({ nodeId: this.nodeId, users: users.length }, 'presence node re-registered after being swept')
    for (const userId of users) await this.broadcast(userId, await this.me(userId))
  }

  /**
   * Removes nodes whose heartbeat is older than the TTL, with their sockets (and sockets whose
   * node row is gone); users left without a socket on a live node go offline, last seen when
   * their node last beat.
   */
  async sweep() {
    const offline = await transaction(this.db, async (tx) => {
      const dead = await sql<PresenceNodeRow>`delete from chat.presence_nodes
        where heartbeat_at < now() - ${this.options.ttlMs}::int * interval '1 millisecond' and node_id <> ${this.nodeId}
        returning node_id, heartbeat_at`.execute(tx.db)
      const gone = await sql<{ user_id: string; node_id: string }>`delete from chat.presence_sockets s
        where not exists (select 1 from chat.presence_nodes n where n.node_id = s.node_id) returning s.user_id, s.node_id`.execute(tx.db)
      if (!gone.rows.length) return []
      const lastBeat = new Map(dead.rows.map((r) => [r.node_id, r.heartbeat_at]))
      const seen = new Map<string, Date>()
      for (const g of gone.rows) {
        const at = lastBeat.get(g.node_id) ?? new Date()
        if (!seen.has(g.user_id) || seen.get(g.user_id)! < at) seen.set(g.user_id, at)
      }
      const users = [...seen.keys()]
      const { rows } = await sql<PresenceFacts>`update chat.presence p set last_seen = greatest(p.last_seen, k.seen)
        from unnest(${users}::uuid[], ${users.map((u) => seen.get(u)!.toISOString())}::timestamptz[]) as k(u, seen)
        where p.user_id = k.u and ${this.liveSockets(sql`k.u`)} = 0
        returning p.user_id, p.status, p.last_seen, false as online`.execute(tx.db)
      return rows
    })
    if (offline.length) this.log.info({ users: offline.length }, 'presence swept sockets of dead nodes')
    for (const row of offline) await this.broadcast(row.user_id, toView(row))
  }

  async close() {
    clearInterval(this.timer)
    await this.ticking
    await Promise.all(this.announcing.values())
    // A graceful stop: this node's sockets stop counting at once instead of after the TTL.
    await transaction(this.db, async (tx) => {
      await sql`delete from chat.presence_sockets where node_id = ${this.nodeId}`.execute(tx.db)
      await sql`delete from chat.presence_nodes where node_id = ${this.nodeId}`.execute(tx.db)
    }).catch((err) => this.log.warn({ err }, 'presence node not removed'))
  }

  private tick() {
    if (this.ticking) return
    this.ticking = this.beat()
      .then(() => this.sweep())
      .catch((err) => this.log.warn({ err }, 'presence heartbeat failed'))
      .finally(() => (this.ticking = undefined))
  }

  /** Sockets of a user on nodes that are alive (heartbeat within the TTL). */
  private liveSockets(userId: RawBuilder<unknown>) {
    return sql<number>`(select coalesce(sum(s.sockets), 0)::int from chat.presence_sockets s
      join chat.presence_nodes n on n.node_id = s.node_id
      where s.user_id = ${userId} and n.heartbeat_at >= now() - ${this.options.ttlMs}::int * interval '1 millisecond')`
  }

  private async broadcast(userId: string, view: PresenceView) {
    this.announce(userId, view)
    try {
      // @NOTE Live presence goes to the user's direct-conversation partners (their contacts), as
      // the web client shows it there; group members read it with GET presence/?user_ids=. Telling
      // every member of every group made a reconnect storm cost users × group size frames.
      const { rows } = await sql<{ user_id: string }>`select distinct o.user_id from chat.participants me
        join chat.conversations c on c.id = me.conversation_id and c.type = 'direct' and c.deleted_at is null
        join chat.participants o on o.conversation_id = me.conversation_id and o.left_at is null
        where me.user_id = ${userId} and me.left_at is null`.execute(this.db)
      const targets = new Set(rows.map((r) => r.user_id))
      targets.add(userId) // the user's other tabs
      for (const target of targets) this.hub.toUser(target, 'presence', view)
    } catch (err) {
      this.log.warn({ err, userId }, 'presence not broadcast')
    }
  }

  /**
   * Publishes `user.presence_changed` through the outbox in its own short transaction, without
   * holding up the sockets (nothing awaits it, and a failure is only logged: presence heals on the
   * next transition). One user's events are written one after another in broadcast order, so
   * their occurredAt follows that order, which is what consumers use to drop stale ones.
   */
  private announce(userId: string, view: PresenceView) {
    const previous = this.announcing.get(userId) ?? Promise.resolve()
    const next = previous
      .then(() =>
        transaction(this.db, async (tx) => {
          const { rows } = await sql<{ tenant_id: string }>`select tenant_id from chat.users where id = ${userId}`.execute(tx.db)
          // @NOTE A user auth has not told chat about yet has no tenant to publish under; skipped.
          if (!rows[0]) return
          await this.bus.publish<UserPresenceChangedPayload>(tx, 'chat', {
            type: 'user.presence_changed',
            tenantId: rows[0].tenant_id,
            payload: { user_id: view.user_id, status: view.status, last_seen: view.last_seen },
          })
        }),
      )
      .catch((err) => this.log.warn({ err, userId, status: view.status }, 'presence change not published'))
    this.announcing.set(userId, next)
    void next.then(() => {
      if (this.announcing.get(userId) === next) this.announcing.delete(userId)
    })
  }
}

function toView(r: PresenceFacts): PresenceView {
  return {
    user_id: r.user_id,
    status: r.online ? (r.status ?? 'online') : 'offline',
    last_seen: r.last_seen ? new Date(r.last_seen).toISOString() : null,
  }
}
