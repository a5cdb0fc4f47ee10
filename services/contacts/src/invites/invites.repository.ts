import type { Db } from '@parley/platform'

import { SCHEMA } from '../db/schema'
import { type Identity, identityColumns, identityFrom } from '../identity/identity.repository'
import type { ListOptions } from '../shared/lists'
import { columnsOf, pageRows, whereSearch } from '../shared/paging'

type Q = Db
type Row = Record<string, unknown>

export const INVITE_STATUSES = ['pending', 'accepted', 'rejected', 'cancelled'] as const
export type InviteStatus = (typeof INVITE_STATUSES)[number]

export interface Invite {
  id: string
  tenantId: string
  senderId: string
  recipientId: string
  status: InviteStatus
  /** The direct conversation, once accepted. */
  roomId: string | null
  createdAt: Date
  respondedAt: Date | null
}

function inviteFrom(row: Row): Invite {
  return {
    id: row.id as string,
    tenantId: row.tenant_id as string,
    senderId: row.sender_id as string,
    recipientId: row.recipient_id as string,
    status: row.status as InviteStatus,
    roomId: (row.room_id as string | null) ?? null,
    createdAt: new Date(row.created_at as Date),
    respondedAt: row.responded_at ? new Date(row.responded_at as Date) : null,
  }
}

export async function findInvite(db: Q, tenantId: string, id: string): Promise<Invite | undefined> {
  const row = await db
    .withSchema(SCHEMA)
    .selectFrom('invites')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst()
  return row ? inviteFrom(row) : undefined
}

/** The pending invite between two people, in either direction (there is at most one). */
export async function findPendingBetween(
  db: Q,
  tenantId: string,
  a: string,
  b: string,
): Promise<Invite | undefined> {
  const row = await db
    .withSchema(SCHEMA)
    .selectFrom('invites')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('status', '=', 'pending')
    .where((eb) =>
      eb.or([
        eb.and([eb('sender_id', '=', a), eb('recipient_id', '=', b)]),
        eb.and([eb('sender_id', '=', b), eb('recipient_id', '=', a)]),
      ]),
    )
    .executeTakeFirst()
  return row ? inviteFrom(row) : undefined
}

export async function insertInvite(
  db: Q,
  invite: { id: string; tenantId: string; senderId: string; recipientId: string },
): Promise<Invite> {
  const row = await db
    .withSchema(SCHEMA)
    .insertInto('invites')
    .values({
      id: invite.id,
      tenant_id: invite.tenantId,
      sender_id: invite.senderId,
      recipient_id: invite.recipientId,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return inviteFrom(row)
}

/** Moves a pending invite to its final state; undefined when it was no longer pending. */
export async function closePendingInvite(
  db: Q,
  id: string,
  status: Exclude<InviteStatus, 'pending'>,
  roomId: string | null = null,
): Promise<Invite | undefined> {
  const row = await db
    .withSchema(SCHEMA)
    .updateTable('invites')
    .set({ status, room_id: roomId, responded_at: new Date() })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .returningAll()
    .executeTakeFirst()
  return row ? inviteFrom(row) : undefined
}

/** Cancels whatever invite is pending between two people (a block ends it). */
export async function cancelPendingBetween(db: Q, tenantId: string, a: string, b: string): Promise<Invite[]> {
  const rows = await db
    .withSchema(SCHEMA)
    .updateTable('invites')
    .set({ status: 'cancelled', responded_at: new Date() })
    .where('tenant_id', '=', tenantId)
    .where('status', '=', 'pending')
    .where((eb) =>
      eb.or([
        eb.and([eb('sender_id', '=', a), eb('recipient_id', '=', b)]),
        eb.and([eb('sender_id', '=', b), eb('recipient_id', '=', a)]),
      ]),
    )
    .returningAll()
    .execute()
  return rows.map(inviteFrom)
}

export async function deleteRejectedInvite(
  db: Q,
  tenantId: string,
  id: string,
  senderId: string,
): Promise<boolean> {
  const rows = await db
    .withSchema(SCHEMA)
    .deleteFrom('invites')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('sender_id', '=', senderId)
    .where('status', '=', 'rejected')
    .returning('id')
    .execute()
  return rows.length > 0
}

export const INVITE_ORDERINGS = [
  'created_at',
  '-created_at',
  'username',
  '-username',
  'person_id',
  '-person_id',
] as const

export interface InviteWithPeople {
  invite: Invite
  sender: Identity
  recipient: Identity
}

/**
 * Invites of one status where the user has one role; `search` and the person orderings apply
 * to the other side (the sender of received invites, the recipient of sent ones).
 */
export async function listInvites(
  db: Q,
  filter: { tenantId: string; userId: string; role: 'sender' | 'recipient'; status: InviteStatus },
  options: ListOptions,
): Promise<{ count: number; rows: InviteWithPeople[] }> {
  const mine = filter.role === 'sender' ? 'i.sender_id' : 'i.recipient_id'
  const other = filter.role === 'sender' ? 'r' : 's'
  const base = whereSearch(
    db
      .withSchema(SCHEMA)
      .selectFrom('invites as i')
      .innerJoin('identities as s', 's.user_id', 'i.sender_id')
      .innerJoin('identities as r', 'r.user_id', 'i.recipient_id')
      .where('i.tenant_id', '=', filter.tenantId)
      .where(mine, '=', filter.userId)
      .where('i.status', '=', filter.status),
    options.search,
    other,
  )
  const { count, rows } = await pageRows(base, {
    ...options,
    columns: [
      ...columnsOf('i', [
        'id',
        'tenant_id',
        'sender_id',
        'recipient_id',
        'status',
        'room_id',
        'created_at',
        'responded_at',
      ]),
      ...identityColumns('s', 's_'),
      ...identityColumns('r', 'r_'),
    ],
    fields: { created_at: 'i.created_at', username: `${other}.username`, person_id: `${other}.person_id` },
    tiebreak: 'i.id',
  })
  return {
    count,
    rows: rows.map((row) => ({
      invite: inviteFrom(row),
      sender: identityFrom(row, 's_'),
      recipient: identityFrom(row, 'r_'),
    })),
  }
}
