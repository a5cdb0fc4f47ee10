import type { PresenceStatus } from '@parley/contracts'
import type { Db } from '@parley/platform'
import { sql } from 'kysely'
import type { Logger } from 'pino'
import type { RealtimeHub } from '../realtime/hub'

export interface PresenceView {
  user_id: string
  status: PresenceStatus
  last_seen: string | null
}

/**
 * Presence across tabs and devices: a user is online while they have at least one socket
 * (a connection count in the database, so every node agrees), and then shows the status they
 * chose (online, away, busy; `offline` means "appear offline"). Changes go to the people who
 * share a direct or group conversation with them.
 */
export class PresenceService {
  constructor(
    private readonly db: Db,
    private readonly hub: RealtimeHub,
    private readonly log: Logger,
  ) {}

  async connected(userId: string) {
    const { rows } = await sql<any>`insert into chat.presence (user_id, connections, last_seen) values (${userId}, 1, now())
      on conflict (user_id) do update set connections = chat.presence.connections + 1, last_seen = now()
      returning *`.execute(this.db)
    if (rows[0].connections === 1) await this.broadcast(userId, toView(rows[0]))
  }

  async disconnected(userId: string) {
    const { rows } = await sql<any>`update chat.presence set connections = greatest(connections - 1, 0), last_seen = now()
      where user_id = ${userId} returning *`.execute(this.db)
    if (rows[0] && rows[0].connections === 0) await this.broadcast(userId, toView(rows[0]))
  }

  async setStatus(userId: string, status: PresenceStatus): Promise<PresenceView> {
    const { rows } = await sql<any>`insert into chat.presence (user_id, status, last_seen) values (${userId}, ${status}, now())
      on conflict (user_id) do update set status = excluded.status returning *`.execute(this.db)
    const view = toView(rows[0])
    await this.broadcast(userId, view)
    return view
  }

  async get(tenantId: string, userIds: string[]): Promise<PresenceView[]> {
    if (!userIds.length) return []
    const { rows } = await sql<any>`select u.id as user_id, p.status, p.connections, p.last_seen
      from chat.users u left join chat.presence p on p.user_id = u.id
      where u.id = any(${userIds}::uuid[]) and u.tenant_id = ${tenantId}`.execute(this.db)
    return rows.map(toView)
  }

  async me(userId: string): Promise<PresenceView> {
    const { rows } = await sql<any>`select ${userId}::uuid as user_id, p.status, p.connections, p.last_seen
      from (select 1) one left join chat.presence p on p.user_id = ${userId}`.execute(this.db)
    return toView(rows[0])
  }

  private async broadcast(userId: string, view: PresenceView) {
    try {
      const { rows } = await sql<{ user_id: string }>`select distinct o.user_id from chat.participants me
        join chat.conversations c on c.id = me.conversation_id and c.type <> 'channel' and c.deleted_at is null
        join chat.participants o on o.conversation_id = me.conversation_id and o.left_at is null
        where me.user_id = ${userId} and me.left_at is null`.execute(this.db)
      const targets = new Set(rows.map((r) => r.user_id))
      targets.add(userId) // the user's other tabs
      for (const target of targets) this.hub.toUser(target, 'presence', view)
    } catch (err) {
      this.log.warn({ err, userId }, 'presence not broadcast')
    }
  }
}

function toView(r: any): PresenceView {
  const online = (r?.connections ?? 0) > 0
  const chosen = (r?.status ?? 'online') as PresenceStatus
  return {
    user_id: r.user_id,
    status: online ? chosen : 'offline',
    last_seen: r?.last_seen ? new Date(r.last_seen).toISOString() : null,
  }
}
