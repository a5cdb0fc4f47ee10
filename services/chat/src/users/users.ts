import type { UserSnapshotPayload } from '@parley/contracts'
import type { Consumer } from '@parley/platform'

import type { ChatDb, UserRow } from '../db/schema'
import { upsertUser, usersByIds } from './users.repository'

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
  constructor(private readonly db: ChatDb) {}

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
      const rows = await usersByIds(this.db, missing)
      const found = new Map(rows.map((r) => [r.id, r]))
      for (const id of missing) {
        const r = found.get(id)
        const user: ChatUser | null = r
          ? {
              id,
              tenantId: r.tenant_id,
              personId: r.person_id,
              username: r.username,
              name: displayName(r),
              avatarUrl: r.avatar_url,
            }
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
        await upsertUser(tx.db, p, event.tenantId, event.occurredAt)
        tx.afterCommit(() => this.forget(p.user_id))
      },
    }
  }
}
