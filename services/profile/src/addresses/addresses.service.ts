import { isUniqueViolation, isUuid, newId, orderTerms, pageOffset } from '@parley/platform'

import type { ProfileContext } from '../context'
import { addressNotFound, addressTypeTaken } from '../errors'
import type { Owner } from '../shared/owner'
import { withOwnerLock } from '../shared/owner-lock'
import {
  type Address,
  type AddressValues,
  clearDefaultAddress,
  deleteAddress,
  findAddress,
  insertAddress,
  isAddressTypeTaken,
  listAddresses,
  updateAddress,
} from './addresses.repository'
import type { AddressListQuery, CreateAddressInput, UpdateAddressInput } from './addresses.schema'

const ORDER_COLUMNS: Record<string, string[]> = {
  created_at: ['created_at'],
  updated_at: ['updated_at'],
  address_type: ['address_type'],
  city: ['city'],
  country: ['country'],
  is_default: ['is_default'],
}

export async function listMyAddresses(ctx: ProfileContext, owner: Owner, query: AddressListQuery) {
  return listAddresses(ctx.db, owner, {
    search: query.search || undefined,
    order: orderTerms(query.ordering, ORDER_COLUMNS, '-is_default,created_at'),
    ...pageOffset(query),
  })
}

export async function getAddress(ctx: ProfileContext, owner: Owner, id: string): Promise<Address> {
  const address = isUuid(id) ? await findAddress(ctx.db, owner, id) : undefined
  if (!address) throw addressNotFound()
  return address
}

export async function createAddress(
  ctx: ProfileContext,
  owner: Owner,
  input: CreateAddressInput,
): Promise<Address> {
  const values = fullValues(input)
  return withTypeGuard(values.addressType, () =>
    withOwnerLock(ctx.db, owner, async (tx) => {
      if (await isAddressTypeTaken(tx.db, owner, values.addressType))
        throw addressTypeTaken(values.addressType)
      if (values.isDefault) await clearDefaultAddress(tx.db, owner)
      return insertAddress(tx.db, owner, newId(), values)
    }),
  )
}

/** PUT: the body is a whole address, so fields it leaves out become empty. */
export async function replaceAddress(
  ctx: ProfileContext,
  owner: Owner,
  id: string,
  input: CreateAddressInput,
) {
  return changeAddress(ctx, owner, id, fullValues(input))
}

/** PATCH: only the fields sent change. */
export async function patchAddress(ctx: ProfileContext, owner: Owner, id: string, input: UpdateAddressInput) {
  const changes: Partial<AddressValues> = {}
  if (input.address_type !== undefined) changes.addressType = input.address_type
  if (input.line1 !== undefined) changes.line1 = input.line1
  if (input.line2 !== undefined) changes.line2 = input.line2
  if (input.country !== undefined) changes.country = input.country
  if (input.state !== undefined) changes.state = input.state
  if (input.city !== undefined) changes.city = input.city
  if (input.zip_code !== undefined) changes.zipCode = input.zip_code
  if (input.phone_number !== undefined) changes.phoneNumber = input.phone_number
  if (input.is_default !== undefined) changes.isDefault = input.is_default
  return changeAddress(ctx, owner, id, changes)
}

export async function removeAddress(ctx: ProfileContext, owner: Owner, id: string): Promise<void> {
  if (!isUuid(id) || !(await deleteAddress(ctx.db, owner, id))) throw addressNotFound()
}

async function changeAddress(ctx: ProfileContext, owner: Owner, id: string, changes: Partial<AddressValues>) {
  if (!isUuid(id)) throw addressNotFound()
  return withTypeGuard(changes.addressType, () =>
    withOwnerLock(ctx.db, owner, async (tx) => {
      const current = await findAddress(tx.db, owner, id)
      if (!current) throw addressNotFound()
      if (changes.addressType && changes.addressType !== current.addressType) {
        if (await isAddressTypeTaken(tx.db, owner, changes.addressType, id))
          throw addressTypeTaken(changes.addressType)
      }
      if (changes.isDefault) await clearDefaultAddress(tx.db, owner, id)
      const updated = await updateAddress(tx.db, owner, id, changes)
      if (!updated) throw addressNotFound()
      return updated
    }),
  )
}

/** The owner lock makes the check above decisive; the unique index is the backstop if it is ever bypassed. */
async function withTypeGuard<T>(type: string | undefined, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (err) {
    if (type && isUniqueViolation(err, 'addresses_user_type_key')) throw addressTypeTaken(type)
    throw err
  }
}

function fullValues(input: CreateAddressInput): AddressValues {
  return {
    addressType: input.address_type,
    line1: input.line1,
    line2: input.line2 ?? null,
    country: input.country,
    state: input.state ?? null,
    city: input.city,
    zipCode: input.zip_code ?? null,
    phoneNumber: input.phone_number ?? null,
    isDefault: input.is_default ?? false,
  }
}
