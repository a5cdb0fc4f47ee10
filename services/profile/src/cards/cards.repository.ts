import { containsPattern, type Db, type OrderTerm } from '@parley/platform'
import { sql } from 'kysely'

import { clearDefault } from '../shared/defaults'
import type { Owner } from '../shared/owner'
import type { CardBrand, CardType } from './card-number'

/** A saved card: never the number, only what PCI DSS lets us keep. */
export interface Card {
  id: string
  cardType: CardType
  cardBrand: CardBrand
  last4: string
  cardHolderName: string
  expiryMonth: number
  expiryYear: number
  isDefault: boolean
  createdAt: Date
  updatedAt: Date
}

export interface NewCard {
  cardType: CardType
  cardBrand: CardBrand
  last4: string
  fingerprint: string
  cardHolderName: string
  expiryMonth: number
  expiryYear: number
  isDefault: boolean
}

export type CardChanges = Partial<Pick<Card, 'cardHolderName' | 'expiryMonth' | 'expiryYear' | 'isDefault'>>

// @NOTE The fingerprint is never selected: it only serves the duplicate check inside SQL.
const COLUMNS = [
  'id',
  'card_type',
  'card_brand',
  'last4',
  'card_holder_name',
  'expiry_month',
  'expiry_year',
  'is_default',
  'created_at',
  'updated_at',
] as const

const SEARCH_COLUMNS = ['card_holder_name', 'card_brand', 'last4']

interface CardRow {
  id: string
  card_type: CardType
  card_brand: CardBrand
  last4: string
  card_holder_name: string
  expiry_month: number
  expiry_year: number
  is_default: boolean
  created_at: Date
  updated_at: Date
}

function toCard(row: CardRow): Card {
  return {
    id: row.id,
    cardType: row.card_type,
    cardBrand: row.card_brand,
    last4: row.last4,
    cardHolderName: row.card_holder_name,
    expiryMonth: Number(row.expiry_month),
    expiryYear: Number(row.expiry_year),
    isDefault: row.is_default,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function owned(db: Db, owner: Owner) {
  return db
    .withSchema('profile')
    .selectFrom('cards')
    .where('user_id', '=', owner.userId)
    .where('tenant_id', '=', owner.tenantId)
}

export async function listCards(
  db: Db,
  owner: Owner,
  options: { search?: string; order: OrderTerm[]; limit: number; offset: number },
): Promise<{ count: number; rows: Card[] }> {
  let query = owned(db, owner)
  if (options.search) {
    const pattern = containsPattern(options.search)
    query = query.where((eb) => eb.or(SEARCH_COLUMNS.map((c) => eb(c, 'ilike', pattern))))
  }
  const counted = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  let page = query.select([...COLUMNS])
  for (const term of options.order)
    page = page.orderBy(term.column, (ob) => (term.direction === 'desc' ? ob.desc() : ob.asc()))
  const rows = await page.orderBy('id').limit(options.limit).offset(options.offset).execute()
  return { count: Number(counted.n), rows: rows.map(toCard) }
}

export async function findCard(db: Db, owner: Owner, id: string): Promise<Card | undefined> {
  const row = await owned(db, owner)
    .select([...COLUMNS])
    .where('id', '=', id)
    .executeTakeFirst()
  return row ? toCard(row) : undefined
}

export async function countCards(db: Db, owner: Owner): Promise<number> {
  const row = await owned(db, owner)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

export async function hasCardWithFingerprint(db: Db, owner: Owner, fingerprint: string): Promise<boolean> {
  return (
    (await owned(db, owner).select('id').where('fingerprint', '=', fingerprint).executeTakeFirst()) !==
    undefined
  )
}

/** Clears the owner's default card (except `exceptId`), so a new default can take its place. */
export function clearDefaultCard(db: Db, owner: Owner, exceptId?: string): Promise<void> {
  return clearDefault(db, 'cards', owner, exceptId)
}

export async function insertCard(db: Db, owner: Owner, id: string, card: NewCard): Promise<Card> {
  const row = await db
    .withSchema('profile')
    .insertInto('cards')
    .values({
      id,
      tenant_id: owner.tenantId,
      user_id: owner.userId,
      card_type: card.cardType,
      card_brand: card.cardBrand,
      last4: card.last4,
      fingerprint: card.fingerprint,
      card_holder_name: card.cardHolderName,
      expiry_month: card.expiryMonth,
      expiry_year: card.expiryYear,
      is_default: card.isDefault,
    })
    .returning([...COLUMNS])
    .executeTakeFirstOrThrow()
  return toCard(row)
}

export async function updateCard(
  db: Db,
  owner: Owner,
  id: string,
  changes: CardChanges,
): Promise<Card | undefined> {
  const set: Record<string, unknown> = { updated_at: sql`now()` }
  if (changes.cardHolderName !== undefined) set.card_holder_name = changes.cardHolderName
  if (changes.expiryMonth !== undefined) set.expiry_month = changes.expiryMonth
  if (changes.expiryYear !== undefined) set.expiry_year = changes.expiryYear
  if (changes.isDefault !== undefined) set.is_default = changes.isDefault
  const row = await db
    .withSchema('profile')
    .updateTable('cards')
    .set(set)
    .where('id', '=', id)
    .where('user_id', '=', owner.userId)
    .where('tenant_id', '=', owner.tenantId)
    .returning([...COLUMNS])
    .executeTakeFirst()
  return row ? toCard(row) : undefined
}

export async function deleteCard(db: Db, owner: Owner, id: string): Promise<boolean> {
  const result = await db
    .withSchema('profile')
    .deleteFrom('cards')
    .where('id', '=', id)
    .where('user_id', '=', owner.userId)
    .where('tenant_id', '=', owner.tenantId)
    .executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}
