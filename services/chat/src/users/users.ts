import {
  parseBusEvent,
  type ServerFrameMap,
  type UserSnapshotPayload,
  type UserUpdatedWire,
} from '@parley/contracts'
import type { Consumer, Fanout } from '@parley/platform'
import type { Logger } from 'pino'

import type { ChatDb, Executor, UserRow } from '../db/schema'
import type { RealtimeHub } from '../realtime/hub'
import { audienceOf, upsertUser, usersByIds } from './users.repository'

export interface ChatUser {
  id: string
  tenantId: string
  personId: string | null
  username: string | null
  name: string | null
  avatarUrl: string | null
}

const CACHE_MS = 60_000
/** Fan-out topic on which every node hears which user's cache entry to drop. */
const CHANGED_TOPIC = 'chat:users-changed'

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

  /** Drops this node's cache entry of a user whose snapshot any node applied; answers the unsubscribe. */
  listen(fanout: Fanout): () => void {
    return fanout.subscribe(CHANGED_TOPIC, (id) => this.forget(id))
  }

  /**
   * Bus consumer keeping the projection (an upsert: events may arrive in any order), and telling
   * every open client that shows the person (issue 15): `user.updated` (names, username, avatar)
   * and `profile.updated` (display name, status message) become `user_updated` frames.
   */
  consumer(deps: { hub: RealtimeHub; fanout: Fanout; log: Logger }): Consumer {
    return {
      name: 'chat.users',
      schema: 'chat',
      types: ['user.registered', 'user.updated', 'profile.updated'],
      handle: async (event, tx) => {
        if (event.type === 'profile.updated') {
          const parsed = parseBusEvent('profile.updated', event.payload)
          if (!parsed.success) {
            deps.log.warn(
              { eventId: event.id, issues: parsed.error.issues },
              'ignored malformed profile event',
            )
            return
          }
          const p = parsed.data
          const update: UserUpdatedWire = {
            user_id: p.user_id,
            person_id: p.person_id,
            display_name: p.display_name,
            status_message: p.status_message,
          }
          await announce(deps.hub, tx.db, update, tx.afterCommit.bind(tx))
          return
        }
        const p = event.payload as unknown as UserSnapshotPayload
        const applied = await upsertUser(tx.db, p, event.tenantId, event.occurredAt)
        tx.afterCommit(() => {
          this.forget(p.user_id)
          deps.fanout.publish(CHANGED_TOPIC, p.user_id)
        })
        // @NOTE A snapshot older than the one applied (events arrive in any order) shows nobody anything.
        if (event.type !== 'user.updated' || !applied) return
        const update: UserUpdatedWire = {
          user_id: p.user_id,
          person_id: p.person_id ?? undefined,
          username: p.username ?? null,
          first_name: p.first_name ?? '',
          last_name: p.last_name ?? '',
          avatar_url: p.avatar_url ?? null,
          name: displayName({
            first_name: p.first_name ?? '',
            last_name: p.last_name ?? '',
            username: p.username ?? null,
          }),
        }
        await announce(deps.hub, tx.db, update, tx.afterCommit.bind(tx))
      },
    }
  }
}

/**
 * A `user_updated` frame, once the change committed, to the person's own sockets, their contacts'
 * and every member of their conversations (one publish per conversation reaches all its members).
 */
async function announce(
  hub: RealtimeHub,
  db: Executor,
  update: ServerFrameMap['user_updated'],
  afterCommit: (fn: () => void) => void,
) {
  const { contactIds, conversationIds } = await audienceOf(db, update.user_id)
  afterCommit(() => {
    for (const userId of new Set([update.user_id, ...contactIds])) hub.toUser(userId, 'user_updated', update)
    for (const conversationId of conversationIds) hub.toConversation(conversationId, 'user_updated', update)
  })
}
