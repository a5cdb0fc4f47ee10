import type { Db } from '@parley/platform'

import { SCHEMA } from '../db/schema'
import { type Identity, identityColumns, identityFrom } from '../identity/identity.repository'
import type { ListOptions } from '../shared/lists'
import { columnsOf, pageRows, whereSearch } from '../shared/paging'

type Q = Db
type Row = Record<string, unknown>

/** Two people who accepted each other; `roomId` is their direct conversation. */
export interface Contact {
  roomId: string
  tenantId: string
  userA: string
  userB: string
  inviteId: string | null
  createdAt: Date
}

function contactFrom(row: Row): Contact {
  return {
    roomId: row.room_id as string,
    tenantId: row.tenant_id as string,
    userA: row.user_a as string,
    userB: row.user_b as string,
    inviteId: (row.invite_id as string | null) ?? null,
    createdAt: new Date(row.created_at as Date),
  }
}

export async function findContactBetween(
  db: Q,
  tenantId: string,
  a: string,
  b: string,
): Promise<Contact | undefined> {
  const row = await db
    .withSchema(SCHEMA)
    .selectFrom('contacts')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where((eb) =>
      eb.or([
        eb.and([eb('user_a', '=', a), eb('user_b', '=', b)]),
        eb.and([eb('user_a', '=', b), eb('user_b', '=', a)]),
      ]),
    )
    .executeTakeFirst()
  return row ? contactFrom(row) : undefined
}

export async function insertContact(db: Q, contact: Omit<Contact, 'createdAt'>): Promise<Contact> {
  const row = await db
    .withSchema(SCHEMA)
    .insertInto('contacts')
    .values({
      room_id: contact.roomId,
      tenant_id: contact.tenantId,
      user_a: contact.userA,
      user_b: contact.userB,
      invite_id: contact.inviteId,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return contactFrom(row)
}

export async function deleteContact(db: Q, roomId: string): Promise<void> {
  await db.withSchema(SCHEMA).deleteFrom('contacts').where('room_id', '=', roomId).execute()
}

/** Whether `userId` is one of the two people of the contact whose direct conversation is `roomId`. */
export async function isRoomMember(
  db: Q,
  tenantId: string,
  userId: string,
  roomId: string,
): Promise<boolean> {
  const row = await db
    .withSchema(SCHEMA)
    .selectFrom('contacts')
    .select('room_id')
    .where('room_id', '=', roomId)
    .where('tenant_id', '=', tenantId)
    .where((eb) => eb.or([eb('user_a', '=', userId), eb('user_b', '=', userId)]))
    .executeTakeFirst()
  return row !== undefined
}

export const CONTACT_ORDERINGS = [
  'username',
  '-username',
  'person_id',
  '-person_id',
  'created_at',
  '-created_at',
] as const

/** My contacts, each with the other person's identity. */
export async function listContacts(
  db: Q,
  tenantId: string,
  userId: string,
  options: ListOptions,
): Promise<{ count: number; rows: Array<{ contact: Contact; other: Identity }> }> {
  const base = whereSearch(
    db
      .withSchema(SCHEMA)
      .selectFrom('contacts as c')
      .innerJoin('identities as o', (join) =>
        join.on((eb) =>
          eb.or([
            eb.and([eb('c.user_a', '=', userId), eb('o.user_id', '=', eb.ref('c.user_b'))]),
            eb.and([eb('c.user_b', '=', userId), eb('o.user_id', '=', eb.ref('c.user_a'))]),
          ]),
        ),
      )
      .where('c.tenant_id', '=', tenantId),
    options.search,
    'o',
  )
  const { count, rows } = await pageRows(base, {
    ...options,
    columns: [
      ...columnsOf('c', ['room_id', 'tenant_id', 'user_a', 'user_b', 'invite_id', 'created_at']),
      ...identityColumns('o', 'o_'),
    ],
    fields: { username: 'o.username', person_id: 'o.person_id', created_at: 'c.created_at' },
    tiebreak: 'c.room_id',
  })
  return { count, rows: rows.map((row) => ({ contact: contactFrom(row), other: identityFrom(row, 'o_') })) }
}
