import type { PresenceStatus, UserPresenceChangedPayload } from '@parley/contracts'
import { newId, transaction, type Db, type EventBus } from '@parley/platform'
import { sql, type RawBuilder } from 'kysely'
import type { Logger } from 'pino'
import type { PresenceNodeRow, PresenceRow } from '../db/rows'
import { Batcher } from '../realtime/batcher'
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

interface SocketChange {
  userId: string
  /** +1 a socket opened, -1 one closed. */
  delta: number
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
  /** The `user.presence_changed` events still being written to the outbox, one batch after another. */
  private announcing: Promise<void> = Promise.resolve()
  private readonly socketChanges = new Batcher<SocketChange, void>((changes) => this.applySocketChanges(changes))

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
    // Sorted: two nodes writing overlapping users lock their presence rows in the same order.
    const users = [...net.keys()].sort()
    const deltas = users.map((u) => net.get(u)!)
    const rows = await transaction(this.db, async (tx) => {
      // A row holds a positive count (check constraint): the last socket deletes it, others move it.
      const k = sql`unnest(${users}::uuid[], ${deltas}::int[]) as k(u, d)`
      await sql`delete from chat.presence_sockets s using ${k}
        where s.node_id = ${this.nodeId} and s.user_id = k.u and s.sockets + k.d <= 0`.execute(tx.db)
      await sql`update chat.presence_sockets s set sockets = s.sockets + k.d from ${k}
        where s.node_id = ${this.nodeId} and s.user_id = k.u and k.d < 0`.execute(tx.db)
      await sql`insert into chat.presence_sockets (node_id, user_id, sockets) select ${this.nodeId}, k.u, k.d from ${k} where k.d > 0
        on conflict (user_id, node_id) do update set sockets = chat.presence_sockets.sockets + excluded.sockets`.execute(tx.db)
      const { rows } = await sql<PresenceFacts & { sockets: number }>`insert into chat.presence as p (user_id, last_seen)
        select u, now() from unnest(${users}::uuid[]) as u
        on conflict (user_id) do update set last_seen = now()
        returning p.user_id, p.status, p.last_seen, ${this.liveSockets(sql`p.user_id`)} as sockets`.execute(tx.db)
      return rows
    })
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
    const { rows } = await sql<PresenceFacts>`insert into chat.presence (user_id, status, last_seen) values (${userId}, ${status}, now())
      on conflict (user_id) do update set status = excluded.status
      returning user_id, status, last_seen, ${this.liveSockets(sql`${userId}::uuid`)} > 0 as online`.execute(this.db)
    const view = toView(rows[0])
    await this.broadcast([view])
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
    return (await this.viewsOf([userId]))[0]
  }

  /** The presence of each user in `userIds` (no tenant filter: callers hold their own ids), in one query. */
  private async viewsOf(userIds: string[]): Promise<PresenceView[]> {
    const { rows } = await sql<PresenceFacts>`select u.id as user_id, p.status, p.last_seen, ${this.liveSockets(sql`u.id`)} > 0 as online
      from unnest(${userIds}::uuid[]) with ordinality as u(id, i) left join chat.presence p on p.user_id = u.id
      order by u.i`.execute(this.db)
    return rows.map(toView)
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
    if (users.length) await this.broadcast(await this.viewsOf(users))
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
    await this.broadcast(offline.map(toView))
  }

  async close() {
    clearInterval(this.timer)
    await this.ticking
    await this.socketChanges.drain()
    await this.announcing
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

  /** Tells each user's contacts (and the user's other tabs) and, through the outbox, other services. */
  private async broadcast(views: PresenceView[]) {
    if (!views.length) return
    this.announce(views)
    try {
      // @NOTE Live presence goes to the user's direct-conversation partners (their contacts), as
      // the web client shows it there; group members read it with GET presence/?user_ids=. Telling
      // every member of every group made a reconnect storm cost users × group size frames.
      // From the users outward, whatever the statistics say: the users' memberships first (a
      // materialized CTE is a fence), then a probe per conversation. A plain join, planned with
      // stale statistics (conversations analyzed before the direct ones existed), started from every
      // direct conversation instead: ~180 ms a batch, and 10,000 sockets took 70 s to connect.
      const { rows } = await sql<{ subject: string; target: string }>`with mine as materialized (
          select me.user_id, me.conversation_id from chat.participants me
          where me.user_id = any(${views.map((v) => v.user_id)}::uuid[]) and me.left_at is null)
        select distinct mine.user_id as subject, o.user_id as target
        from mine
        cross join lateral (select 1 from chat.conversations c
          where c.id = mine.conversation_id and c.type = 'direct' and c.deleted_at is null limit 1) c
        join chat.participants o on o.conversation_id = mine.conversation_id and o.left_at is null`.execute(this.db)
      const targets = new Map<string, Set<string>>()
      // The user's other tabs first, then their contacts.
      for (const v of views) targets.set(v.user_id, new Set([v.user_id]))
      for (const r of rows) targets.get(r.subject)?.add(r.target)
      for (const v of views) for (const target of targets.get(v.user_id)!) this.hub.toUser(target, 'presence', v)
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
          const { rows } = await sql<{ id: string; tenant_id: string }>`select id, tenant_id from chat.users
            where id = any(${views.map((v) => v.user_id)}::uuid[])`.execute(tx.db)
          const tenants = new Map(rows.map((r) => [r.id, r.tenant_id]))
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
