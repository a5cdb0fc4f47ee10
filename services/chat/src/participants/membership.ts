import type { Role } from '@parley/contracts'
import { isUuid } from '@parley/platform'

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

export interface Caller {
  userId: string
  tenantId: string
}

/**
 * The conversation as seen by a member. Anything else (another tenant, not a member, removed,
 * deleted, malformed id) is the same 404, as if it did not exist (SPEC section 8).
 */
export async function requireMember(
  db: Executor,
  caller: Caller,
  conversationId: string,
  lock = false,
): Promise<Membership> {
  if (!isUuid(conversationId)) throw conversationNotFound(conversationId)
  const row = await findMembership(db, caller.userId, caller.tenantId, conversationId, lock)
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
