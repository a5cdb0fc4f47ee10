import type { Role } from '@parley/contracts'
import { isUuid } from '@parley/platform'
import { sql } from 'kysely'
import type { ConversationRow, Executor, ParticipantRow } from '../db/rows'
import { conversationNotFound, notAllowed } from '../errors'

export type { ConversationRow } from '../db/rows'

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
export async function requireMember(db: Executor, caller: Caller, conversationId: string, lock = false): Promise<Membership> {
  if (!isUuid(conversationId)) throw conversationNotFound(conversationId)
  const { rows } = await sql<ConversationRow & Pick<ParticipantRow, 'role' | 'last_read_seq' | 'last_delivered_seq'>>`select c.*, p.role, p.last_read_seq, p.last_delivered_seq
    from chat.conversations c join chat.participants p on p.conversation_id = c.id and p.user_id = ${caller.userId}
    where c.id = ${conversationId} and c.tenant_id = ${caller.tenantId} and c.deleted_at is null and p.left_at is null
    ${lock ? sql`for update of c` : sql``}`.execute(db)
  const row = rows[0]
  if (!row) throw conversationNotFound(conversationId)
  const { role, last_read_seq, last_delivered_seq, ...conversation } = row
  return { conversation, role, lastReadSeq: Number(last_read_seq), lastDeliveredSeq: Number(last_delivered_seq) }
}

export function isManager(role: Role): boolean {
  return role === 'owner' || role === 'admin'
}

export function requireManager(m: Membership, what: string) {
  if (m.conversation.type === 'direct') throw notAllowed(`Direct conversations cannot ${what}.`)
  if (!isManager(m.role)) throw notAllowed(`Only owners and admins can ${what}.`)
}
