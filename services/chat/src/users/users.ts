import type { UserSnapshotPayload } from '@parley/contracts'
import type { Consumer, Db } from '@parley/platform'
import { sql } from 'kysely'
import type { UserRow } from '../db/rows'

export interface ChatUser {
  id: string
  tenantId: string
  personId: string | null
  username: string | null
  name: string | null
  avatarUrl: string | null
}

const CACHE_MS = 60_000

function displayName(row: Pick<UserRow, 'first_name' | 'last_name' | 'username'>): string | null {
  const full = `${row.first_name ?? ''} ${row.last_name ?? ''}`.trim()
  return full || row.username || null
}

/**
 * The users projection (from `user.registered` / `user.updated`) and a short-lived cache of it,
 * so that presenting a message (sender_name, sender_person_id) costs no query on the hot path.
 */
export class UserDirectory {
  private readonly cache = new Map<string, { user: ChatUser | null; at: number }>()
  constructor(private readonly db: Db) {}

  async getMany(ids: string[]): Promise<Map<string, ChatUser | null>> {
    const out = new Map<string, ChatUser | null>()
    const missing: string[] = []
    const now = Date.now()
    for (const id of new Set(ids)) {
      const hit = this.cache.get(id)
      if (hit && now - hit.at < CACHE_MS) out.set(id, hit.user)
      else missing.push(id)
    }
    if (missing.length) {
      const { rows } = await sql<UserRow>`select * from chat.users where id = any(${missing}::uuid[])`.execute(this.db)
      const found = new Map(rows.map((r) => [r.id, r]))
      for (const id of missing) {
        const r = found.get(id)
        const user: ChatUser | null = r
          ? { id, tenantId: r.tenant_id, personId: r.person_id, username: r.username, name: displayName(r), avatarUrl: r.avatar_url }
          : null
        if (this.cache.size > 50_000) this.cache.clear()
        this.cache.set(id, { user, at: now })
        out.set(id, user)
      }
    }
    return out
  }

  async get(id: string): Promise<ChatUser | null> {
    return (await this.getMany([id])).get(id) ?? null
  }

  forget(id: string) {
    this.cache.delete(id)
  }

  /** Bus consumer keeping the projection (an upsert: events may arrive in any order). */
  consumer(): Consumer {
    return {
      name: 'chat.users',
      schema: 'chat',
      types: ['user.registered', 'user.updated'],
      handle: async (event, tx) => {
        const p = event.payload as unknown as UserSnapshotPayload
        await sql`insert into chat.users (id, tenant_id, person_id, username, first_name, last_name, avatar_url, updated_at)
          values (${p.user_id}, ${p.tenant_id ?? event.tenantId}, ${p.person_id ?? null}, ${p.username ?? null},
            ${p.first_name ?? ''}, ${p.last_name ?? ''}, ${p.avatar_url ?? null}, ${event.occurredAt})
          on conflict (id) do update set tenant_id = excluded.tenant_id, person_id = excluded.person_id,
            username = excluded.username, first_name = excluded.first_name, last_name = excluded.last_name,
            avatar_url = excluded.avatar_url, updated_at = excluded.updated_at
          where chat.users.updated_at <= excluded.updated_at`.execute(tx.db)
        tx.afterCommit(() => this.forget(p.user_id))
      },
    }
  }
}
