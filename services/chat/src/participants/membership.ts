import type { Role } from '@parley/contracts'
import { type EventBus, isUuid } from '@parley/platform'

import type { ConversationRow, Executor } from '../db/schema'
import { conversationNotFound, notAllowed } from '../errors'
import { findMembership } from './participants.repository'

export type { ConversationRow } from '../db/schema'

export interface Membership {
  conversation: ConversationRow
  role: Role
  lastReadSeq: number
  lastDeliveredSeq: number
}

/**
 * Read-your-writes (ADR 0012): a lookup that misses a user or contact chat should know waits once
 * for the projection's consumer (at most 1 s) and looks again before answering 404/403.
 */
export type CatchUp = Pick<EventBus, 'caughtUp'>
/** The consumer of contact events: direct conversations, their members, contact pairs, blocks. */
export const CONTACTS_CONSUMER = 'chat.contacts'
/** The consumer of the users projection (`user.registered` / `user.updated`). */
export const USERS_CONSUMER = 'chat.users'

/**
 * `look`, and when it finds nothing, once more after `consumer` handled everything published
 * before the miss. Costs nothing on a hit.
 */
export async function lookAgainOnMiss<T>(
  bus: CatchUp | undefined,
  consumer: string,
  look: () => Promise<T | undefined>,
): Promise<T | undefined> {
  const found = await look()
  if (found !== undefined || !bus) return found
  await bus.caughtUp(consumer)
  return look()
}

export interface Caller {
  userId: string
  tenantId: string
}

/**
 * The conversation as seen by a member. Anything else (another tenant, not a member, removed,
 * deleted, malformed id) is the same 404, as if it did not exist (SPEC section 8). With `bus`, a
 * miss first waits for the contact events (a direct conversation of a just-accepted contact).
 */
export async function requireMember(
  db: Executor,
  caller: Caller,
  conversationId: string,
  bus?: CatchUp,
): Promise<Membership> {
  if (!isUuid(conversationId)) throw conversationNotFound(conversationId)
  const row = await lookAgainOnMiss(bus, CONTACTS_CONSUMER, () =>
    findMembership(db, caller.userId, caller.tenantId, conversationId, false),
  )
  if (!row) throw conversationNotFound(conversationId)
  const { role, last_read_seq, last_delivered_seq, ...conversation } = row
  return {
    conversation,
    role,
    lastReadSeq: Number(last_read_seq),
    lastDeliveredSeq: Number(last_delivered_seq),
  }
}

export function isManager(role: Role): boolean {
  return role === 'owner' || role === 'admin'
}

export function requireManager(m: Membership, what: string) {
  if (m.conversation.type === 'direct') throw notAllowed(`Direct conversations cannot ${what}.`)
  if (!isManager(m.role)) throw notAllowed(`Only owners and admins can ${what}.`)
}
