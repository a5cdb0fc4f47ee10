import { containsPattern, type Db, type OrderTerm } from '@parley/platform'
import { sql } from 'kysely'

import { clearDefault } from '../shared/defaults'
import type { Owner } from '../shared/owner'

export type AddressType = 'home' | 'work' | 'billing' | 'shipping' | 'other'

export interface Address {
  id: string
  addressType: AddressType
  line1: string
  line2: string | null
  country: string
  state: string | null
  city: string
  zipCode: string | null
  phoneNumber: string | null
  isDefault: boolean
  createdAt: Date
  updatedAt: Date
}

export type AddressValues = Omit<Address, 'id' | 'createdAt' | 'updatedAt'>

const COLUMNS: Record<keyof AddressValues, string> = {
  addressType: 'address_type',
  line1: 'line1',
  line2: 'line2',
  country: 'country',
  state: 'state',
  city: 'city',
  zipCode: 'zip_code',
  phoneNumber: 'phone_number',
  isDefault: 'is_default',
}

const SEARCH_COLUMNS = ['city', 'line1', 'zip_code']

interface AddressRow {
  id: string
  address_type: AddressType
  line1: string
  line2: string | null
  country: string
  state: string | null
  city: string
  zip_code: string | null
  phone_number: string | null
  is_default: boolean
  created_at: Date
  updated_at: Date
}

function toAddress(row: AddressRow): Address {
  return {
    id: row.id,
    addressType: row.address_type,
    line1: row.line1,
    line2: row.line2,
    country: row.country,
    state: row.state,
    city: row.city,
    zipCode: row.zip_code,
    phoneNumber: row.phone_number,
    isDefault: row.is_default,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function toRow(values: Partial<AddressValues>): Record<string, unknown> {
  const row: Record<string, unknown> = {}
  for (const [key, column] of Object.entries(COLUMNS)) {
    const value = values[key as keyof AddressValues]
    if (value !== undefined) row[column] = value
  }
  return row
}

function owned(db: Db, owner: Owner) {
  return db
    .withSchema('profile')
    .selectFrom('addresses')
    .where('user_id', '=', owner.userId)
    .where('tenant_id', '=', owner.tenantId)
}

export async function listAddresses(
  db: Db,
  owner: Owner,
  options: { search?: string; order: OrderTerm[]; limit: number; offset: number },
): Promise<{ count: number; rows: Address[] }> {
  let query = owned(db, owner)
  if (options.search) {
    const pattern = containsPattern(options.search)
    query = query.where((eb) => eb.or(SEARCH_COLUMNS.map((c) => eb(c, 'ilike', pattern))))
  }
  const counted = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  let page = query.selectAll()
  for (const term of options.order)
    page = page.orderBy(term.column, (ob) => (term.direction === 'desc' ? ob.desc() : ob.asc()))
  const rows = await page
    .orderBy('id')
    .limit(options.limit)
    .offset(options.offset)
    .$castTo<AddressRow>()
    .execute()
  return { count: Number(counted.n), rows: rows.map(toAddress) }
}

export async function findAddress(db: Db, owner: Owner, id: string): Promise<Address | undefined> {
  const row = await owned(db, owner).selectAll().where('id', '=', id).$castTo<AddressRow>().executeTakeFirst()
  return row ? toAddress(row) : undefined
}

/** Whether another of the owner's addresses already has this type. */
export async function isAddressTypeTaken(db: Db, owner: Owner, type: AddressType, exceptId?: string) {
  let query = owned(db, owner).select('id').where('address_type', '=', type)
  if (exceptId) query = query.where('id', '<>', exceptId)
  return (await query.executeTakeFirst()) !== undefined
}

/** Clears the owner's default address (except `exceptId`), so a new default can take its place. */
export function clearDefaultAddress(db: Db, owner: Owner, exceptId?: string): Promise<void> {
  return clearDefault(db, 'addresses', owner, exceptId)
}

export async function insertAddress(
  db: Db,
  owner: Owner,
  id: string,
  values: AddressValues,
): Promise<Address> {
  const row = await db
    .withSchema('profile')
    .insertInto('addresses')
    .values({ id, user_id: owner.userId, tenant_id: owner.tenantId, ...toRow(values) })
    .returningAll()
    .$castTo<AddressRow>()
    .executeTakeFirstOrThrow()
  return toAddress(row)
}

export async function updateAddress(
  db: Db,
  owner: Owner,
  id: string,
  changes: Partial<AddressValues>,
): Promise<Address | undefined> {
  const row = await db
    .withSchema('profile')
    .updateTable('addresses')
    .set({ ...toRow(changes), updated_at: sql`now()` })
    .where('id', '=', id)
    .where('user_id', '=', owner.userId)
    .where('tenant_id', '=', owner.tenantId)
    .returningAll()
    .$castTo<AddressRow>()
    .executeTakeFirst()
  return row ? toAddress(row) : undefined
}

export async function deleteAddress(db: Db, owner: Owner, id: string): Promise<boolean> {
  const result = await db
    .withSchema('profile')
    .deleteFrom('addresses')
    .where('id', '=', id)
    .where('user_id', '=', owner.userId)
    .where('tenant_id', '=', owner.tenantId)
    .executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}
