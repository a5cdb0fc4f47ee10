import type { Role } from '@parley/contracts'
import { isUuid, type Db } from '@parley/platform'
import { sql, type Transaction } from 'kysely'
import { conversationNotFound, notAllowed } from '../errors'

export interface ConversationRow {
  id: string
  tenant_id: string
  type: 'direct' | 'group' | 'channel'
  name: string | null
  topic: string | null
  avatar_url: string | null
  is_public: boolean
  is_read_only: boolean
  last_seq: number
  deleted_count: number
  created_by: string | null
  created_at: Date
  updated_at: Date
  last_message_at: Date | null
  deleted_at: Date | null
}

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
export async function requireMember(db: Db | Transaction<any>, caller: Caller, conversationId: string, lock = false): Promise<Membership> {
  if (!isUuid(conversationId)) throw conversationNotFound(conversationId)
  const { rows } = await sql<any>`select c.*, p.role, p.last_read_seq, p.last_delivered_seq
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
